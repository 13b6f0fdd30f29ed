"""Record readers for CSV and XML sources. Both stream: they read a binary file object in
chunks and yield one record at a time, so memory stays flat however large the source.

CSV: the delimiter and the encoding may be sniffed from the first 64 KiB (UTF-8 with or without
BOM, else cp1252; the header's most frequent of `,` `;` tab `|`). XML is parsed with
`defusedxml`, which refuses DTDs, entity declarations and external references, so an entity
bomb never expands.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from connectors._base import RawRecord
from connectors.errors import SourceFormatError

SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
EXTRA_CELLS = "_extra"


class _Prefixed(io.RawIOBase):
    """A readable stream of `head` followed by the rest of `rest`: what was sniffed is not lost."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = memoryview(head)
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def sniff_encoding(head: bytes) -> str:
    """`utf-8-sig` for a BOM, `utf-8` for text that decodes as UTF-8, else `cp1252`."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often in the header line (`,` on a tie of none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_csv(
    source: IO[bytes], *, delimiter: str = "auto", encoding: str = "auto", where: str = "the file"
) -> Iterator[RawRecord]:
    """The rows of a CSV document as objects keyed by its header row.

    Header names are trimmed; empty cells are None; a short row is padded with None; cells
    beyond the header go to `_extra`. Blank lines are skipped.
    """
    head = source.read(SNIFF_BYTES)
    if encoding == "auto":
        encoding = sniff_encoding(head)
    elif encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    text = io.TextIOWrapper(
        io.BufferedReader(_Prefixed(head, source)), encoding=encoding, newline=""
    )
    try:
        if delimiter == "auto":
            first = head.split(b"\n", 1)[0].decode(encoding, "replace")
            delimiter = sniff_delimiter(first)
        rows = csv.reader(text, delimiter=delimiter)
        header = _header(next(rows, None), where)
        width = len(header)
        for row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            record: RawRecord = {
                name: (cell if cell != "" else None)
                for name, cell in zip(header, row[:width], strict=False)
            }
            for name in header[len(row) :]:
                record[name] = None
            if len(row) > width:
                record[EXTRA_CELLS] = row[width:]
            yield record
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"{where} is not valid {encoding} text (byte {exc.start} of a chunk); "
            "set format.encoding"
        ) from None
    except csv.Error as exc:
        raise SourceFormatError(f"{where} is not valid CSV: {exc}") from None


def _header(row: list[str] | None, where: str) -> list[str]:
    if not row:
        raise SourceFormatError(f"{where} has no header row")
    names = [cell.strip() or f"column_{index + 1}" for index, cell in enumerate(row)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SourceFormatError(f"{where} repeats the header names {duplicates}")
    return names


def read_xml(
    source: IO[bytes],
    records_path: str,
    *,
    force_list: frozenset[str] = frozenset(),
    where: str = "the feed",
) -> Iterator[RawRecord]:
    """The elements at `records_path` (tag names from the root, namespaces ignored), each as an
    object: attributes as `@name`, child elements as members (repeated ones, and those named in
    `force_list`, as arrays), text of a leaf as a string, an empty leaf as None."""
    target = records_path.split(".") if records_path else []
    if not target:
        raise SourceFormatError(f"{where}: an XML stream needs a records_path")
    stack: list[str] = []
    elements: list[Element] = []
    try:
        for event, element in defusedxml.ElementTree.iterparse(
            source, events=("start", "end"), forbid_dtd=True
        ):
            if event == "start":
                stack.append(_local(element.tag))
                elements.append(element)
                continue
            if stack == target:
                value = _to_value(element, force_list)
                yield value if isinstance(value, dict) else {"#text": value}
                element.clear()
                if len(elements) > 1:
                    elements[-2].remove(element)
            stack.pop()
            elements.pop()
    except defusedxml.DefusedXmlException as exc:
        raise SourceFormatError(f"{where} was refused: {type(exc).__name__} ({exc})") from None
    except ParseError as exc:
        raise SourceFormatError(f"{where} is not well-formed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _to_value(element: Element, force_list: frozenset[str]) -> Any:
    attributes: dict[str, Any] = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    children = list(element)
    text = (element.text or "").strip()
    if not children:
        if not attributes:
            return text or None
        if text:
            attributes["#text"] = text
        return attributes
    value = attributes
    repeated: set[str] = set()
    for child in children:
        name = _local(child.tag)
        item = _to_value(child, force_list)
        if name in repeated:
            value[name].append(item)
        elif name in value:
            value[name] = [value[name], item]
            repeated.add(name)
        elif name in force_list:
            value[name] = [item]
            repeated.add(name)
        else:
            value[name] = item
    return value
