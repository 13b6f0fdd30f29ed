"""The fast path's shortcuts against what they stand for: the URL check by parts against
marshmallow's validator, the keyed HMAC against `hmac.digest`, the memo, and HubId's text."""

from __future__ import annotations

import pickle
import re
import string
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, validate

from schemas._codegen import Memo, Source
from schemas._context import LoadContext
from schemas._fastfields import url_check, url_code
from schemas._refs import participant_ref, ref_function
from schemas._validators import IDENTIFIER
from schemas.fields import HubId

IDENTIFIER_MATCH = re.compile(IDENTIFIER).fullmatch
VALIDATORS = [
    validate.URL(schemes={"http", "https"}),
    validate.URL(),
    validate.URL(require_tld=False),
    validate.URL(schemes={"HTTP"}, error="{input} is no URL."),
]

# Each part in forms the regex accepts and forms it does not, so that every part decides.
SCHEMES = [
    "http",
    "https",
    "HTTP",
    "ftp",
    "file",
    "",
    "h-t+t.p",
    "ht:tp",
    "ht/tp",
    "\u017fhttp",
]  # a long s
SEPARATORS = ["://", ":/", ":", "", ":///", ":////"]
USERINFO = ["", "user:pw@", "a@", "@", "%zz@", "%41@", "a/b@", "a?b@", "a#b@", "@@"]
HOSTS = [
    "example.co.id",
    "kursus.example.co.id.",
    "localhost",
    "127.0.0.1",
    "1.2.3",
    "[::1]",
    "[fe80::1:2]",
    "[::1",
    "x",
    "a-.com",
    "-a.com",
    "münchen.de",
    "xn--mnchen-3ya.de",
    "ex ample.com",
    "",
    "a..b.com",
    "\u212a.com",  # a Kelvin sign, which matches k under IGNORECASE
    "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",  # fullwidth
    "a.b/c",
    "a.b?c",
    "a.b#c",
]
PORTS = ["", ":80", ":", ":x", ":\uff18\uff10", ":\u0668\u0660", ":8080/"]
RESTS = ["", "/", "/a", "?q=1", "#f", "/a b", "//", "/\u00a0", "?", "#", "/é", "/a\n", "\n", " "]
URLS = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(SCHEMES),
    st.sampled_from(SEPARATORS),
    st.sampled_from(USERINFO),
    st.sampled_from(HOSTS) | st.text(string.ascii_letters + ".-:[]@/?#% ", max_size=10),
    st.sampled_from(PORTS),
    st.sampled_from(RESTS) | st.text(max_size=8),
)


def passes(validator: validate.URL, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def checks(validator: validate.URL) -> tuple[Any, Any]:
    """The check by parts, and the happy path's test (which shares its memo) as a function."""
    found = url_check(validator)
    assert found is not None
    source = Source(data_is_dict=False, happy=True)
    test = url_code(validator, source)
    inline = source.compile(f"def passes(v):\n    return bool({test})", "passes", "URL test")
    return found[0], inline


CHECKS = [(validator, *checks(validator)) for validator in VALIDATORS]


@settings(max_examples=2000, deadline=None)
@given(value=URLS | st.text(max_size=30), which=st.integers(0, len(VALIDATORS) - 1))
def test_the_url_check_by_parts_is_the_validator(value: str, which: int) -> None:
    validator, check, inline = CHECKS[which]
    expected = passes(validator, value)
    assert check(value) is expected
    assert check(value) is expected  # now from the memo of hosts
    # The happy path's test, from the memo of heads, on the value and on others of its head.
    assert inline(value) is expected
    for rest in RESTS:
        assert inline(value + rest) is passes(validator, value + rest)


@pytest.mark.parametrize(
    "validator",
    [validate.URL(relative=True), validate.URL(schemes={"file", "http"}), validate.Email()],
)
def test_the_url_check_leaves_what_it_does_not_cover_to_the_validator(validator: Any) -> None:
    assert url_check(validator) is None


@settings(max_examples=300, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=200),
    nik=st.text("0123456789", min_size=16, max_size=16),
)
def test_the_keyed_hmac_is_participant_ref(key: bytes, nik: str) -> None:
    assert ref_function(key)(nik) == participant_ref(nik, key)
    assert LoadContext(nik_key=key).nik_ref is not None


@pytest.mark.parametrize("key", [b"short", bytearray(b"x" * 32), "x" * 32])
def test_the_keyed_hmac_refuses_what_participant_ref_refuses(key: Any) -> None:
    with pytest.raises(ValueError, match="16"):
        ref_function(key)
    with pytest.raises(ValueError, match="16"):
        participant_ref("3171011708450001", key)
    assert LoadContext(nik_key=key).nik_ref is None


@settings(max_examples=1000, deadline=None)
@given(text=st.text(st.characters(max_codepoint=0x7F)) | st.text())
def test_the_identifier_shortcut_implies_the_pattern(text: str) -> None:
    # The fast path takes the shortcut's yes for the pattern's, and asks the regex otherwise;
    # on printable ASCII the two agree both ways.
    shortcut = bool(text) and text[0] != " " != text[-1]
    printable_ascii = text.isascii() and text.isprintable()
    if printable_ascii:
        assert shortcut == (IDENTIFIER_MATCH(text) is not None)


def test_a_context_pickles_without_its_hash_states() -> None:
    context = LoadContext(zone_name="Asia/Makassar", nik_key=b"k" * 32)
    copy = pickle.loads(pickle.dumps(context))
    assert copy == context
    assert copy.nik_ref is not None
    assert copy.nik_ref("3171011708450001") == participant_ref("3171011708450001", b"k" * 32)


def test_a_memo_forgets_everything_once_full() -> None:
    memo = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo == {"a": 1, "b": 2}
    memo.put("c", 3)
    assert memo == {"c": 3}


@given(value=st.uuids(), upper=st.booleans())
def test_hub_id_loads_what_uuid_writes(value: uuid.UUID, upper: bool) -> None:
    text = str(value).upper() if upper else str(value)
    assert HubId().deserialize(text) == str(uuid.UUID(text))
