"""Records kept as the JSON text the source sent, decoded only where the sync needs them.

An unchanged re-sync spends most of its time building records it then finds unchanged by the
hash of their text. A page split into its records' texts (`RecordSplitter`) skips that work: the
texts are found by scanning, not decoding, and the sync hashes each text as it is and decodes
only the records it does not hold already.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import msgspec
import orjson

from connectors._base import RawRecord
from connectors.errors import SourceFormatError
from connectors.records import RecordExtractor, not_an_object

#: A record's JSON text: the source's bytes, or a view of them.
Text = bytes | msgspec.Raw

_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])


class EncodedRecords:
    """One page's records as the JSON texts the source sent, each meant to be one object.

    A connector may yield it in place of the page's records, in the same place of its read.
    Scanning a page into texts checks its JSON syntax but not each text's encoding or type:
    `decode` does, so a record that is not a valid JSON object raises `SourceFormatError` when
    it is decoded, naming where it was.
    """

    __slots__ = ("_array", "_where", "texts")

    def __init__(self, texts: Sequence[Text], where: str, array: str) -> None:
        """`where` names the page ("stream 'courses', page 3"), `array` the records' array in it
        ("'data'"), for the errors."""
        self.texts = texts
        self._where = where
        self._array = array

    def __len__(self) -> int:
        return len(self.texts)

    def decode(self, index: int) -> RawRecord:
        """The record at `index`, decoded."""
        try:
            record = orjson.loads(memoryview(self.texts[index]))
        except orjson.JSONDecodeError as exc:
            raise SourceFormatError(f"{self._record_at(index)} is not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise not_an_object(self._record_at(index), record)
        return record

    def _record_at(self, index: int) -> str:
        return f"{self._where}: record {index} in {self._array}"

    def decode_all(self) -> list[RawRecord]:
        """Every record, decoded."""
        return [self.decode(index) for index in range(len(self.texts))]


def each_record(items: Iterable[Any]) -> Iterator[Any]:
    """A connector's read with every `EncodedRecords` replaced by its records, decoded: for a
    reader that wants each record as a dict (a preview, a test)."""
    iterator = iter(items)
    try:
        for item in iterator:
            if isinstance(item, EncodedRecords):
                yield from item.decode_all()
            else:
                yield item
    finally:
        # A reader that stops early stops the read too, at once (a generator's `close`).
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class RecordSplitter:
    """Takes the records out of a JSON page undecoded: the array at a records path of member
    names (`data`, `result.items`), and the page's other members decoded, for the paginator.

    The body it returns lacks the records' own member. A page without an array at the path is
    handed to `RecordExtractor`, so its errors are the extractor's own.
    """

    def __init__(self, records_path: str) -> None:
        if not self.handles(records_path):
            raise ValueError(f"records path {records_path!r} is not a path of member names")
        self._steps = records_path.split(".")
        self._extractor = RecordExtractor(records_path)

    @staticmethod
    def handles(records_path: str) -> bool:
        """Whether a splitter can serve `records_path`: a path of one or more member names (not
        the body itself, no array index)."""
        return bool(records_path) and not any(step.isdigit() for step in records_path.split("."))

    def __call__(self, content: bytes, where: str) -> tuple[dict[str, Any], EncodedRecords]:
        """The page's body less its records, and its records as texts.

        Raises `msgspec.DecodeError` or `orjson.JSONDecodeError` when `content` is not JSON
        (or not UTF-8), for the caller to word for its response; `SourceFormatError` when the
        JSON holds no array at the records path.
        """
        try:
            split = self._split(content, where)
        except msgspec.ValidationError:  # JSON, but not an object or an array where expected
            split = None
        if split is None:
            self._extractor(orjson.loads(content), where)  # raises the extractor's own error
            raise AssertionError("the extractor found records where the splitter found none")
        return split

    def _split(self, content: bytes, where: str) -> tuple[dict[str, Any], EncodedRecords] | None:
        # None, or msgspec's ValidationError, when the path leads to no array.
        members = _MEMBERS.decode(content)
        body: dict[str, Any] = {}
        node = body
        *branches, leaf = self._steps
        for step in branches:
            node.update(_decoded_except(members, step))
            if step not in members:
                return None
            inner: dict[str, Any] = {}
            node[step] = inner
            node = inner
            members = _MEMBERS.decode(members[step])
        node.update(_decoded_except(members, leaf))
        if leaf not in members:
            return None
        texts = _ELEMENTS.decode(members[leaf])
        return body, EncodedRecords(texts, where, f"'{self._extractor.records_path}'")


def _decoded_except(members: dict[str, msgspec.Raw], name: str) -> dict[str, Any]:
    """The members of an object but `name`, decoded."""
    return {key: orjson.loads(memoryview(text)) for key, text in members.items() if key != name}
