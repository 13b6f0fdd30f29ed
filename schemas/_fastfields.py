"""The fast path's code for the hub's field types and for URLs: their usual inputs inline,
and memos of the pure parts of their parsing.

Each field type keeps its whole rule in `parse` (`schemas.fields`); what is here only
decides, for the inputs it recognizes, what `parse` would give, and leaves every other input to
`parse` itself:

- inline tests that are `parse` restated for one exact input type (a `str` that is one of the
  zones is that zone; an `int` rupiah amount in range is itself);
- memos of results that depend on the value alone (a price written `"Rp1.950.000"`, a
  language tag) or on the value and the zone of naive times (a time): the first record that
  carries a value pays for `parse`, the next ones for a dict lookup. Personal data (NIKs,
  phone numbers) is never remembered;
- for URLs, marshmallow's validator runs once per distinct scheme and host (see `url_check`).

The differential tests (`tests/schemas/test_differential.py`, `test_shortcuts.py`) hold all of
it to marshmallow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from marshmallow import ValidationError, validate

from schemas import _context
from schemas._codegen import Branch, Conv, Memo, Reject, Source
from schemas.fields import (
    MAX_IDR,
    AwareDateTime,
    LanguageTag,
    Nik,
    ParsedField,
    Rupiah,
    StringOrInt,
    Text,
    Timezone,
    nik_birth_date_valid,
    nik_place_known,
)

__all__ = ["MEMO_SIZE", "parsed_field_code", "url_check", "url_code"]

#: Entries per memo (at most about a megabyte each): more than a large catalog's distinct
#: start times or prices.
MEMO_SIZE = 1 << 12
#: Generated code's test that the str named in place of `{}` holds no NUL character.
NO_NUL = "'\\x00' not in {}"
#: Parsed field types whose result for a `str` depends on nothing but the str, and whose values
#: recur and are not personal data (phone numbers are, and NIKs are never remembered).
_PURE_TEXT: tuple[type[ParsedField[Any]], ...] = (Rupiah, LanguageTag)


def parsed_field_code(field: ParsedField[Any], source: Source) -> tuple[Conv, list[Branch]]:
    """`field`'s `_deserialize` as a `Conv` that raises `Reject` (remembering what it may), and
    the branches that load its usual inputs inline (none: every value goes to the `Conv`).

    Branch conditions test an exact type, so neither `missing` nor None passes them; their
    lines load `v` as `parse` would, before the field's validators.
    """
    cls = type(field)
    if cls is AwareDateTime:
        return _aware_date_time(cast(AwareDateTime, field), source)
    if cls in _PURE_TEXT:
        core, branches = _memoized_text(field, source)
        if cls is Rupiah:
            # Rupiah.parse keeps an int in [0, MAX_IDR] as it is (a bool is no exact int).
            branches.insert(0, (f"type(v) is int and 0 <= v <= {source.const(MAX_IDR)}", []))
        return core, branches
    core = _parsed_core(field)
    if cls is Nik:
        return core, _nik(cast(Nik, field), source)
    if cls is Timezone:
        zones = source.name(frozenset(_context.ZONES))
        return core, [(f"type(v) is str and v in {zones}", [])]
    if cls is StringOrInt:
        return core, [("type(v) is str", []), ("type(v) is int and v >= 0", ["v = str(v)"])]
    if cls is Text and not field.validators:
        # Text.parse gives a str that is not blank once stripped, not too long and holds no
        # NUL, stripped.
        limit = source.const(cast(Text, field).max_length)
        test = f"type(v) is str and 0 < len(t := v.strip()) <= {limit} and {NO_NUL.format('t')}"
        return core, [(test, ["v = t"])]
    return core, []


def _nik(field: Nik, source: Source) -> list[Branch]:
    """`Nik.parse` of a str: `validated`, then `participant_ref` under the source's key (as
    the context's `nik_ref`, which computes the same HMAC faster)."""
    context = source.context()
    # Without a usable key, parse raises: the slow path.
    ref = source.once("nik ref", lambda p: [f"{p} = {context}.nik_ref"])
    # `validated` in its order: 16 ASCII digits (what the regex [0-9]{16} matches), the birth
    # date part, the place part.
    condition = (
        f"{ref} is not None and type(v) is str and len(v) == 16 and v.isascii()"
        f" and v.isdigit() and {source.name(nik_birth_date_valid)}(v[6:12])"
        f" and {source.name(nik_place_known)}(v[:4])"
    )
    return [(condition, [f"v = {ref}(v)"])]


def _parsed_core(field: ParsedField[Any]) -> Conv:
    parse = field.parse

    def core(value: Any, data: Any) -> Any:
        try:
            return parse(value, data)
        except ValidationError:
            raise Reject from None

    return core


def _memoized_text(field: ParsedField[Any], source: Source) -> tuple[Conv, list[Branch]]:
    parse = field.parse
    memo = Memo(MEMO_SIZE)
    lookup = memo.get

    def core(value: Any, data: Any) -> Any:
        if type(value) is not str:
            try:
                return parse(value, data)
            except ValidationError:
                raise Reject from None
        loaded = lookup(value)
        if loaded is None:
            try:
                loaded = parse(value, data)
            except ValidationError:
                raise Reject from None
            memo.put(value, loaded)
        return loaded

    # None is never a result of these types, so it can mean "not remembered".
    condition = f"type(v) is str and (t := {source.name(lookup)}(v)) is not None"
    branches = [(condition, ["v = t"])]
    if source.happy:
        # A text not remembered yet: `core` reads neither `data` nor the context.
        branches.append(("type(v) is str", [f"v = {source.name(core)}(v, None)"]))
    return core, branches


class _ZoneMemos(dict[Any, Memo]):
    """A memo per zone of naive times (one appears for any zone asked for)."""

    def __missing__(self, zone: Any) -> Memo:
        memo = self[zone] = Memo(MEMO_SIZE)
        return memo


def _aware_date_time(field: AwareDateTime, source: Source) -> tuple[Conv, list[Branch]]:
    """A text time is remembered by text, in a memo of the zone of naive times: it is
    `load_text` of both. Fields with the same zone field and bounds share the memos."""
    zone = _zone_variable(field, source)
    key = ("time memos", field.zone_field, field.earliest, field.latest)
    memos = source.shared(key, _ZoneMemos)
    # The memos' lookups by zone in a plain dict: a subscript of the dict subclass and a new
    # bound method cost ~35 ns a record more. The zone is always one of the three.
    lookups = source.shared(
        (*key, "lookups"), lambda: {zone: memos[zone].get for zone in _context.ZONE_INFO.values()}
    )
    lookup = source.once(key, lambda p: [f"{p} = {source.name(lookups)}[{zone}]"])
    parse, load_text, naive_zone = field.parse, field.load_text, field.naive_zone

    def core(value: Any, data: Any) -> Any:
        try:
            if type(value) is not str:
                return parse(value, data)
            zone = naive_zone(data)
            memo = memos[zone]
            loaded = memo.get(value)
            if loaded is None:
                loaded = load_text(value, zone)
                memo.put(value, loaded)
            return loaded
        except ValidationError:
            raise Reject from None

    branches = [(f"type(v) is str and (t := {lookup}(v)) is not None", ["v = t"])]
    if source.happy:
        # A text not remembered yet, in the zone the happy path found (not the context's).
        def remember(value: str, zone: Any) -> str:
            try:
                loaded = load_text(value, zone)
            except ValidationError:
                raise Reject from None
            memos[zone].put(value, loaded)
            return loaded

        branches.append(("type(v) is str", [f"v = {source.name(remember)}(v, {zone})"]))
    return core, branches


def _zone_variable(field: AwareDateTime, source: Source) -> str:
    """The variable holding `field.naive_zone(data)`, computed once per record."""
    context = source.context()
    if field.zone_field is None or (source.happy and not source.data_is_dict):
        # naive_zone without a zone field, or of no mapping (an item's): the source's.
        return source.once(("zone", None), lambda p: [f"{p} = {context}.zone_info"])
    naive_zone = source.name(field.naive_zone)
    if not source.data_is_dict:
        return source.once(("zone", field.zone_field), lambda p: [f"{p} = {naive_zone}(data)"])
    # A happy path leaves a zone field of any other value (a str of no zone, which its own
    # field rejects, or a str subclass, which naive_zone reads) to the fast path.
    fallback = "raise Reject" if source.happy else f"{{p}} = {naive_zone}(data)"
    # naive_zone inline for a dict and the common values of the zone field (a zone's name, or
    # none: the source's zone); anything else asks naive_zone itself.
    zones = source.name(_context.ZONE_INFO.get)
    return source.once(
        ("zone", field.zone_field),
        lambda p: [
            f"{p} = data.get({field.zone_field!r})",
            f"if {p} is None:",
            f"    {p} = {context}.zone_info",
            f"elif type({p}) is not str or ({p} := {zones}({p})) is None:",
            "    " + fallback.format(p=p),
        ],
    )


# URLs: marshmallow's regex costs microseconds a URL, most of it on the scheme and host, which
# few differ across a source's records. For an absolute-only URL validator without `file`:
#
# The regex is `^ scheme :// [userinfo @] host [:port] (/? | [/?#]\S+) \Z`. The scheme's
# characters exclude ':', so its `://` is the value's first ':'; userinfo, host and port exclude
# '/', '?' and '#' (as do their case variants: those have none). So a value matches exactly when
# it splits, at the first of '/?#' after its first `://`, into a head that matches (with an
# empty rest) and a rest that matches `/? | [/?#]\S+` up to the end; and the scheme the
# validator checks, before the first `://`, is the head's too. A value with no `://` goes to
# the validator, which rejects it.

_HOST_END = re.compile("[/?#]")
_HEAD_LIMIT = 512
_REST = re.compile(r"(?:/?|[/?#]\S+)\Z", re.IGNORECASE)  # marshmallow's, with its flag


def url_check(validator: Any) -> tuple[Callable[[str], bool], Callable[[str], Any]] | None:
    """A predicate of str values equal to `validator` passing them, remembering the verdict
    per scheme and host, and the `get` of its memo of verdicts by head; None for a validator
    the argument above does not cover."""
    if (
        type(validator) is not validate.URL
        or validator.relative
        or not validator.absolute
        or "file" in validator.schemes
    ):
        return None
    memo = Memo(1 << 10)
    lookup, host_end, rest_matches = memo.get, _HOST_END.search, _REST.match

    def passes(text: str) -> bool:
        try:
            validator(text)
        except ValidationError:
            return False
        return True

    def check(value: str) -> bool:
        start = value.find("://")
        if start < 0:
            return passes(value)
        end = host_end(value, start + 3)
        head = value if end is None else value[: end.start()]
        verdict = lookup(head)
        if verdict is None:
            verdict = passes(head)
            # A host is at most 253 characters; a head with userinfo may hold a password.
            if len(head) <= _HEAD_LIMIT and "@" not in head:
                memo.put(head, verdict)
        if not verdict or end is None:
            return verdict
        # The rest starts with one of '/?#'. If the value is printable ASCII without a space,
        # it has no whitespace, so the rest matches unless it is a lone '?' or '#'.
        if value.isascii() and value.isprintable() and " " not in value:
            return len(value) - end.start() > 1 or value[-1] == "/"
        return rest_matches(value, end.start()) is not None

    return check, lookup


def url_code(validator: Any, source: Source) -> str | None:
    """A test of the str `v` equal to `validator` passing it (see `url_check`), or None.

    A happy path first tries the remembered heads inline (~0.3 us a URL less than calling the
    check): cut at the first '/' after the first `://`, a value whose part before the cut is a
    remembered head has that part as its head (a head holds no '/?#' after its `://`, so the
    cut is where the check cuts); with a good head, a printable ASCII value without a space
    passes, since its rest starts with '/'. Any other value goes to the check.
    """
    found = url_check(validator)
    if found is None:
        return None
    check, heads = found
    test = f"{source.name(check)}(v)"
    if not source.happy:
        return test
    head = f"{source.name(heads)}(v[:j])"
    return (
        f"(i := v.find('://')) >= 0 and (j := v.find('/', i + 3)) >= 0 and {head}"
        f" and v.isascii() and v.isprintable() and ' ' not in v or {test}"
    )
