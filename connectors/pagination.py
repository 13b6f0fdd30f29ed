"""Paginators: where the next page is, when the walk ends, and how to resume it.

A paginator is made for one walk over a stream, optionally resuming from a saved `state`. The
stream asks it what to request next (`next_url`, or the base URL with `get_url_params`), hands
it each page once read (`advance`), and saves its `state` in the checkpoint after the page. Each
paginator refuses to go round in circles: a source that serves the walk a page it has already
served raises `PaginationLoopError` instead of looping for ever.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors._base import RawRecord, State
from connectors.encoded import EncodedRecords
from connectors.errors import ConfigError, PaginationLoopError, SourceFormatError
from connectors.http import redact_url
from connectors.records import MISSING, compile_path, json_type


@dataclass(slots=True)
class Page:
    """One page as read: its decoded body (None for CSV and XML), records and `Link` relations
    (`{"next": {"url": ...}}`, as requests parses them); for a page decoded from bytes held
    whole (JSON), `decode_again`: its records decoded afresh from those bytes; for a JSON page
    split undecoded, `encoded`: its records, and `records` are their texts; `repaired`: how many
    lone surrogates its text escaped, read as U+FFFD (see `connectors.repair`)."""

    body: Any
    records: Sequence[Any]
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    decode_again: Callable[[], list[RawRecord]] | None = None
    encoded: EncodedRecords | None = None
    repaired: int = 0


class _PageMemory:
    """What a walk keeps of the page before, to tell exactly whether a page has the same records.

    A JSON page is kept as its bytes (one object), not its records: a page of records freed a
    page later, out of the CPU's caches, cost ~2 µs a record of an unchanged re-sync; freed by
    the sync right after use, they cost much less. The records are decoded again only for a page
    that could be the same (as many records, the first one equal), which a walk meets only when
    the source repeats itself. A split page's texts are kept as they are: views of its bytes.
    """

    def __init__(self, page: Page) -> None:
        self.count = len(page.records)
        self.first = page.records[0] if page.records else None
        self.decode_again = page.decode_again
        self.records = page.records if page.decode_again is None else None

    def same_records(self, records: Sequence[Any]) -> bool:
        """Whether `records` equal the remembered page's records."""
        if len(records) != self.count or not records or records[0] != self.first:
            return False
        if self.decode_again is not None:
            return records == self.decode_again()
        return records == self.records


class Paginator(abc.ABC):
    """One walk over the pages of a stream."""

    def __init__(self) -> None:
        self.finished = False

    @property
    def next_url(self) -> str | None:
        """The full URL of the current page when the source named it; None to request the
        stream's own URL with `get_url_params`."""
        return None

    def get_url_params(self) -> dict[str, Any]:
        """The parameters that select the current page."""
        return {}

    @abc.abstractmethod
    def advance(self, page: Page) -> None:
        """Move past the page just read, or finish."""

    @property
    @abc.abstractmethod
    def state(self) -> dict[str, Any]:
        """Where to resume the walk: the current page; empty once the walk has finished."""

    @property
    @abc.abstractmethod
    def position(self) -> str:
        """The current page in words, for messages."""


class SinglePagePaginator(Paginator):
    """A source that returns everything in one answer."""

    def advance(self, page: Page) -> None:
        """The one page has been read."""
        self.finished = True

    @property
    def state(self) -> dict[str, Any]:
        """Always empty: there is nothing to resume within one page."""
        return {}

    @property
    def position(self) -> str:
        """Always "the page"."""
        return "the page"


class StopRules:
    """When a numbered walk ends besides at an empty page: a short page (only if asked, since a
    source that caps its page size would otherwise lose records), a total count of records or
    pages, or a false has-more flag in the body."""

    def __init__(
        self,
        *,
        short_page: bool = False,
        total_path: str | None = None,
        total_pages_path: str | None = None,
        has_more_path: str | None = None,
    ) -> None:
        self.short_page = short_page
        self._total = _optional_getter(total_path)
        self._total_pages = _optional_getter(total_pages_path)
        self._has_more = _optional_getter(has_more_path)
        self.paths = {
            "total_path": total_path,
            "total_pages_path": total_pages_path,
            "has_more_path": has_more_path,
        }

    def ends(self, page: Page, *, size: int, read_through: int, pages_through: int) -> bool:
        """Whether the walk ends after `page`, which brought the records read to `read_through`
        and the pages read to `pages_through`."""
        if not page.records:
            return True
        if self.short_page and len(page.records) < size:
            return True
        if self._total is not None:
            total = self._number(page.body, self._total, "total_path")
            if total is not None and read_through >= total:
                return True
        if self._total_pages is not None:
            pages = self._number(page.body, self._total_pages, "total_pages_path")
            if pages is not None and pages_through >= pages:
                return True
        if self._has_more is not None:
            more = self._has_more(page.body)
            if more is False:
                return True
        return False

    def _number(self, body: Any, get: Any, option: str) -> int | None:
        value = get(body)
        if value is MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SourceFormatError(
                f"the page's {self.paths[option]!r} ({option}) is {json_type(value)}, not a count"
            )
        try:
            return int(value)
        except ValueError:
            raise SourceFormatError(
                f"the page's {self.paths[option]!r} ({option}) is not a whole number"
            ) from None


class _NumberedPaginator(Paginator):
    """Pages picked by a number the walk computes; shared by page numbers and offsets."""

    def __init__(self, stop: Mapping[str, Any] | None) -> None:
        super().__init__()
        self.stop = StopRules(**(stop or {}))
        self._previous: _PageMemory | None = None

    def _check_loop(self, page: Page, param: str) -> None:
        previous = self._previous
        if previous is not None and previous.same_records(page.records):
            raise PaginationLoopError(
                f"{self.position} has the same records as the page before it: "
                f"the source seems to ignore the {param!r} parameter"
            )
        self._previous = _PageMemory(page)


class PageNumberPaginator(_NumberedPaginator):
    """Pages numbered from `start_page`, selected by `page_param`."""

    def __init__(
        self,
        *,
        page_param: str = "page",
        size_param: str | None = "per_page",
        page_size: int = 100,
        start_page: int = 1,
        stop: Mapping[str, Any] | None = None,
        state: State | None = None,
    ) -> None:
        super().__init__(stop)
        self.page_param = page_param
        self.size_param = size_param
        self.page_size = page_size
        self.start_page = start_page
        self.page = _state_int(state, "page", start_page)

    def get_url_params(self) -> dict[str, Any]:
        """`{page_param: page}`, plus `{size_param: page_size}` when the source takes a size."""
        params: dict[str, Any] = {self.page_param: self.page}
        if self.size_param:
            params[self.size_param] = self.page_size
        return params

    def advance(self, page: Page) -> None:
        """Finish when a stop rule says so; otherwise go to the next number."""
        self._check_loop(page, self.page_param)
        pages_through = self.page - self.start_page + 1
        if self.stop.ends(
            page,
            size=self.page_size,
            read_through=(pages_through - 1) * self.page_size + len(page.records),
            pages_through=pages_through,
        ):
            self.finished = True
            return
        self.page += 1

    @property
    def state(self) -> dict[str, Any]:
        """`{"page": n}` for the next page to read; empty once finished."""
        return {} if self.finished else {"page": self.page}

    @property
    def position(self) -> str:
        """Reads like "page 3"."""
        return f"page {self.page}"


class OffsetPaginator(_NumberedPaginator):
    """Pages selected by the offset of their first record and a limit."""

    def __init__(
        self,
        *,
        offset_param: str = "offset",
        limit_param: str = "limit",
        limit: int = 100,
        stop: Mapping[str, Any] | None = None,
        state: State | None = None,
    ) -> None:
        super().__init__(stop)
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.limit = limit
        self.offset = _state_int(state, "offset", 0)

    def get_url_params(self) -> dict[str, Any]:
        """`{offset_param: offset, limit_param: limit}`."""
        return {self.offset_param: self.offset, self.limit_param: self.limit}

    def advance(self, page: Page) -> None:
        """Finish when a stop rule says so; otherwise move the offset past this page's records
        (not by `limit`: a source that caps the limit still gets every record read)."""
        self._check_loop(page, self.offset_param)
        read_through = self.offset + len(page.records)
        if self.stop.ends(
            page,
            size=self.limit,
            read_through=read_through,
            pages_through=read_through // self.limit + (1 if read_through % self.limit else 0),
        ):
            self.finished = True
            return
        self.offset = read_through

    @property
    def state(self) -> dict[str, Any]:
        """`{"offset": n}` for the next page to read; empty once finished."""
        return {} if self.finished else {"offset": self.offset}

    @property
    def position(self) -> str:
        """Reads like "the page at offset 200"."""
        return f"the page at offset {self.offset}"


class CursorPaginator(Paginator):
    """Pages chained by an opaque cursor that each page names at `cursor_path` in its body.

    The first page is requested without a cursor. The walk ends at a page with no records or
    with a null, empty or absent next cursor. A cursor that comes back a second time means the
    source is going round in circles.
    """

    def __init__(
        self,
        *,
        cursor_param: str = "cursor",
        cursor_path: str = "next_cursor",
        size_param: str | None = None,
        page_size: int | None = None,
        state: State | None = None,
    ) -> None:
        super().__init__()
        self.cursor_param = cursor_param
        self.cursor_path = cursor_path
        self.size_param = size_param
        self.page_size = page_size
        self._next_cursor = compile_path(cursor_path)
        self.cursor: Any = (state or {}).get("cursor")
        self._seen: set[Any] = set()
        if self.cursor is not None:
            self._seen.add(_key(self.cursor))

    def get_url_params(self) -> dict[str, Any]:
        """`{cursor_param: cursor}` after the first page, plus the page size if configured."""
        params: dict[str, Any] = {}
        if self.cursor is not None:
            params[self.cursor_param] = self.cursor
        if self.size_param and self.page_size is not None:
            params[self.size_param] = self.page_size
        return params

    def advance(self, page: Page) -> None:
        """Take the next cursor from the body, or finish."""
        cursor = self._next_cursor(page.body)
        if not page.records or cursor is MISSING or cursor is None or cursor == "":
            self.finished = True
            return
        key = _key(cursor)
        if key in self._seen:
            raise PaginationLoopError(
                f"after {self.position} the source sent cursor {key!r} a second time "
                f"(at {self.cursor_path!r})"
            )
        self._seen.add(key)
        self.cursor = cursor

    @property
    def state(self) -> dict[str, Any]:
        """`{"cursor": c}` for the next page to read (absent for the first); empty once finished."""
        if self.finished or self.cursor is None:
            return {}
        return {"cursor": self.cursor}

    @property
    def position(self) -> str:
        """Reads like "the first page" or "the page at cursor 'abc'"."""
        return "the first page" if self.cursor is None else f"the page at cursor {self.cursor!r}"


class _LinkedPaginator(Paginator):
    """Pages whose next page's full URL the source gives; subclasses say where it is."""

    def __init__(self, state: State | None) -> None:
        super().__init__()
        url = (state or {}).get("next_url")
        if url is not None and not isinstance(url, str):
            raise ConfigError(
                "invalid state: 'next_url' must be a URL", {"state.next_url": ["Not a string."]}
            )
        self.url: str | None = url
        self._seen: set[str] = set() if url is None else {url}

    @property
    def next_url(self) -> str | None:
        """The URL of the current page; None for the first."""
        return self.url

    @abc.abstractmethod
    def _find_next(self, page: Page) -> Any:
        """The next page's URL as the page gives it (absent, null or empty: none)."""

    def advance(self, page: Page) -> None:
        """Go to the URL the page names as next, or finish."""
        url = self._find_next(page)
        if not page.records or url is MISSING or url is None or url == "":
            self.finished = True
            return
        if not isinstance(url, str):
            raise SourceFormatError(
                f"after {self.position} the next page's URL is {json_type(url)}"
            )
        if url in self._seen:
            raise PaginationLoopError(
                f"after {self.position} the source named {redact_url(url)!r} as the next page "
                "a second time"
            )
        self._seen.add(url)
        self.url = url

    @property
    def state(self) -> dict[str, Any]:
        """`{"next_url": u}` for the next page to read (absent for the first); empty once
        finished."""
        if self.finished or self.url is None:
            return {}
        return {"next_url": self.url}

    @property
    def position(self) -> str:
        """Reads like "the first page" or "the page at https://..."."""
        return "the first page" if self.url is None else f"the page at {redact_url(self.url)}"


class NextUrlPaginator(_LinkedPaginator):
    """The body names the next page's full URL at `next_url_path`."""

    def __init__(self, *, next_url_path: str = "next", state: State | None = None) -> None:
        super().__init__(state)
        self._get = compile_path(next_url_path)

    def _find_next(self, page: Page) -> Any:
        return self._get(page.body)


class LinkHeaderPaginator(_LinkedPaginator):
    """The `Link` header (RFC 8288) names the next page, `rel="next"`."""

    def __init__(self, *, state: State | None = None) -> None:
        super().__init__(state)

    def _find_next(self, page: Page) -> Any:
        return page.links.get("next", {}).get("url", MISSING)


def paginator_from_config(spec: Mapping[str, Any] | None, state: State | None) -> Paginator:
    """The paginator a `pagination` config block describes, resuming from `state`."""
    options = {key: value for key, value in (spec or {"type": "none"}).items() if key != "type"}
    kind = (spec or {}).get("type", "none")
    kinds: dict[str, Any] = {
        "page_number": PageNumberPaginator,
        "offset": OffsetPaginator,
        "cursor": CursorPaginator,
        "next_url": NextUrlPaginator,
        "link_header": LinkHeaderPaginator,
    }
    if kind == "none":
        return SinglePagePaginator()
    if kind not in kinds:
        raise ConfigError(
            f"unknown pagination type {kind!r}", {"pagination.type": [f"Unknown type {kind!r}."]}
        )
    paginator: Paginator = kinds[kind](**options, state=state)
    return paginator


def _optional_getter(path: str | None) -> Any:
    return compile_path(path) if path else None


def _state_int(state: State | None, name: str, default: int) -> int:
    value = (state or {}).get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(
            f"invalid state: {name!r} must be a whole number",
            {f"state.{name}": ["Not an integer."]},
        )
    return value


def _key(cursor: Any) -> Any:
    # Cursors are usually strings, but JSON allows numbers or objects; compare them by value.
    return cursor if isinstance(cursor, str | int | float) else repr(cursor)
