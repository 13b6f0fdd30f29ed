"""A JSON page split into its records' texts gives what decoding it whole gives: the same
records, the same other members for the paginator, and the same errors."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import EncodedRecords, SourceFormatError, each_record
from connectors.encoded import RecordSplitter
from connectors.records import RecordExtractor

WHERE = "stream 'courses', page 1"

scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
records = st.dictionaries(st.text(), values, max_size=6)
others = st.dictionaries(st.text().filter(lambda name: name != "data"), values, max_size=4)


def split(document: Any, path: str = "data", *, indent: bool = False) -> tuple[Any, Any]:
    content = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    return RecordSplitter(path)(content, WHERE)


@given(st.lists(records, max_size=8), others, st.booleans())
def test_a_split_page_has_the_records_and_members_of_the_decoded_page(
    page_records: list[dict[str, Any]], members: dict[str, Any], indent: bool
) -> None:
    document = {**members, "data": page_records}

    body, encoded = split(document, indent=indent)

    assert encoded.decode_all() == RecordExtractor("data")(document, WHERE)
    assert body == members
    assert [orjson.loads(bytes(text)) for text in encoded.texts] == page_records


@given(st.lists(records, max_size=4), others)
def test_a_records_path_of_several_members_is_followed(
    page_records: list[dict[str, Any]], members: dict[str, Any]
) -> None:
    document = {"meta": members, "result": {"total": 3, "items": page_records}}

    body, encoded = split(document, "result.items")

    assert encoded.decode_all() == page_records
    assert body == {"meta": members, "result": {"total": 3}}


def test_each_text_is_the_record_as_the_source_wrote_it() -> None:
    content = b'{"data": [ {"kode" : "C1",\n "judul": "A\\u00e9"} , {"kode":"C2"} ], "next": 2}'

    body, encoded = RecordSplitter("data")(content, WHERE)

    assert [bytes(text) for text in encoded.texts] == [
        b'{"kode" : "C1",\n "judul": "A\\u00e9"}',
        b'{"kode":"C2"}',
    ]
    assert body == {"next": 2}
    assert encoded.decode(0) == {"kode": "C1", "judul": "Aé"}


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"error": "maintenance"}, "data"),
        ({"data": {"kode": 1}}, "data"),
        ({"data": "none"}, "data"),
        ([{"kode": "C1"}], "data"),
        ({"result": []}, "result.items"),
        ({"result": {"count": 0}}, "result.items"),
    ],
)
def test_a_page_without_its_records_array_fails_as_the_decoded_page_does(
    document: Any, path: str
) -> None:
    with pytest.raises(SourceFormatError) as decoded:
        RecordExtractor(path)(document, WHERE)

    with pytest.raises(SourceFormatError) as split_up:
        split(document, path)

    assert str(split_up.value) == str(decoded.value)


@pytest.mark.parametrize("record", ["x", 3, None, [1], True])
def test_a_record_that_is_no_object_fails_when_decoded_as_the_decoded_page_does(
    record: Any,
) -> None:
    document = {"data": [{"kode": "C1"}, record]}
    with pytest.raises(SourceFormatError) as decoded:
        RecordExtractor("data")(document, WHERE)
    _, encoded = split(document)

    assert encoded.decode(0) == {"kode": "C1"}
    with pytest.raises(SourceFormatError) as split_up:
        encoded.decode(1)

    assert str(split_up.value) == str(decoded.value)


def test_a_record_that_is_not_utf_8_fails_when_decoded_naming_it() -> None:
    _, encoded = RecordSplitter("data")(b'{"data": [{"kode": "C1"}, {"kode": "\xff"}]}', WHERE)

    with pytest.raises(SourceFormatError, match=r"page 1: record 1 in 'data' is not valid JSON"):
        encoded.decode(1)


@pytest.mark.parametrize("content", [b"<html>502</html>", b'{"data": [{"kode": "C1"', b""])
def test_a_body_that_is_not_json_is_left_to_the_caller_to_word(content: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        RecordSplitter("data")(content, WHERE)


@pytest.mark.parametrize(
    ("path", "handled"), [("data", True), ("a.b", True), ("", False), ("items.0", False)]
)
def test_a_splitter_serves_paths_of_member_names_only(path: str, handled: bool) -> None:
    assert RecordSplitter.handles(path) is handled


def test_each_record_gives_a_read_with_its_pages_decoded() -> None:
    page = EncodedRecords([b'{"kode": "C1"}', b'{"kode": "C2"}'], "page 1", "'data'")

    assert list(each_record([{"kode": "C0"}, page, "checkpoint"])) == [
        {"kode": "C0"},
        {"kode": "C1"},
        {"kode": "C2"},
        "checkpoint",
    ]


def test_a_stream_and_path_named_with_braces_are_named_as_they_are() -> None:
    content = b'{"da{ta}": [5]}'
    _, encoded = RecordSplitter("da{ta}")(content, "stream 'c{0}', page 1")

    with pytest.raises(SourceFormatError) as caught:
        encoded.decode(0)

    assert (
        str(caught.value)
        == "stream 'c{0}', page 1: record 0 in 'da{ta}' is a number, not an object"
    )
