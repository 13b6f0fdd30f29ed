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
from connectors.records import json_type

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

    __slots__ = ("_where", "texts")

    def __init__(self, texts: Sequence[Text], where: str) -> None:
        self.texts = texts
        # Reads like "stream 'courses', page 3: record {} in 'data'".
        self._where = where

    def __len__(self) -> int:
        return len(self.texts)

    def decode(self, index: int) -> RawRecord:
        """The record at `index`, decoded."""
        try:
            record = orjson.loads(memoryview(self.texts[index]))
        except orjson.JSONDecodeError as exc:
            raise SourceFormatError(
                f"{self._where.format(index)} is not valid JSON: {exc}"
            ) from None
        if not isinstance(record, dict):
            raise SourceFormatError(
                f"{self._where.format(index)} is {json_type(record)}, not an object"
            )
        return record

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

    The body it returns lacks the records' own member. Its errors are `RecordExtractor`'s.
    """

    def __init__(self, records_path: str) -> None:
        if not self.handles(records_path):
            raise ValueError(f"records path {records_path!r} is not a path of member names")
        self.records_path = records_path
        self._steps = records_path.split(".")
        self._named = f"'{records_path}'"

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
        members = self._members(content, where)
        body: dict[str, Any] = {}
        node = body
        last = len(self._steps) - 1
        for depth, step in enumerate(self._steps):
            for name, value in members.items():
                if name != step:
                    node[name] = orjson.loads(memoryview(value))
            if step not in members:
                raise self._missing(where)
            if depth == last:
                texts = self._elements(members[step], where)
                return body, EncodedRecords(texts, f"{where}: record {{}} in {self._named}")
            inner: dict[str, Any] = {}
            node[step] = inner
            node = inner
            members = self._members(members[step], where)
        raise AssertionError("unreachable: a records path has at least one step")

    def _members(self, text: Text, where: str) -> dict[str, msgspec.Raw]:
        try:
            return _MEMBERS.decode(text)
        except msgspec.ValidationError:  # JSON, but not an object: the path leads nowhere
            raise self._missing(where) from None

    def _elements(self, text: msgspec.Raw, where: str) -> list[msgspec.Raw]:
        try:
            return _ELEMENTS.decode(text)
        except msgspec.ValidationError:
            found = json_type(orjson.loads(memoryview(text)))
            raise SourceFormatError(
                f"{where}: {self._named} is {found}, not an array of records"
            ) from None

    def _missing(self, where: str) -> SourceFormatError:
        return SourceFormatError(f"{where}: the response has no {self._named} (records path)")
