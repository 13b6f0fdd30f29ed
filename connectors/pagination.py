"""Paginators: where the next page is, when the walk ends, and how to resume it.

A paginator is made for one walk over a stream, optionally resuming from a saved `state`. The
stream asks it for the query parameters of the current page (`get_url_params`), hands it each
page once read (`advance`), and saves its `state` in the checkpoint after the page. Each
paginator refuses to go round in circles: a source that serves the walk a page it has already
served raises `PaginationLoopError` instead of looping for ever.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

from connectors._base import RawRecord, State
from connectors.errors import ConfigError, PaginationLoopError
from connectors.records import MISSING, compile_path


class Paginator(abc.ABC):
    """One walk over the pages of a stream."""

    def __init__(self) -> None:
        self.finished = False

    @abc.abstractmethod
    def get_url_params(self) -> dict[str, Any]:
        """The query parameters that select the current page."""

    @abc.abstractmethod
    def advance(self, body: Any, records: list[RawRecord]) -> None:
        """Move past the page just read (its decoded `body` and `records`), or finish."""

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

    def get_url_params(self) -> dict[str, Any]:
        """No parameters: there is only one page."""
        return {}

    def advance(self, body: Any, records: list[RawRecord]) -> None:
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


class PageNumberPaginator(Paginator):
    """Pages numbered from `start_page`, selected by `page_param`.

    The walk ends at a page with no records or with fewer than `page_size` records. A page with
    exactly the records of the page before it means the source ignores `page_param`.
    """

    def __init__(
        self,
        *,
        page_param: str = "page",
        size_param: str | None = "per_page",
        page_size: int = 100,
        start_page: int = 1,
        state: State | None = None,
    ) -> None:
        super().__init__()
        self.page_param = page_param
        self.size_param = size_param
        self.page_size = page_size
        page = (state or {}).get("page", start_page)
        if not isinstance(page, int) or isinstance(page, bool):
            raise ConfigError(
                "invalid state: 'page' must be a page number", {"state.page": ["Not an integer."]}
            )
        self.page = page
        self._previous: list[RawRecord] | None = None

    def get_url_params(self) -> dict[str, Any]:
        """`{page_param: page}`, plus `{size_param: page_size}` when the source takes a size."""
        params: dict[str, Any] = {self.page_param: self.page}
        if self.size_param:
            params[self.size_param] = self.page_size
        return params

    def advance(self, body: Any, records: list[RawRecord]) -> None:
        """Finish on a short page; otherwise go to the next number."""
        if len(records) < self.page_size:
            self.finished = True
            return
        if records == self._previous:
            raise PaginationLoopError(
                f"page {self.page} has the same records as page {self.page - 1}: "
                f"the source seems to ignore the {self.page_param!r} parameter"
            )
        self._previous = records
        self.page += 1

    @property
    def state(self) -> dict[str, Any]:
        """`{"page": n}` for the next page to read; empty once finished."""
        return {} if self.finished else {"page": self.page}

    @property
    def position(self) -> str:
        """Reads like "page 3"."""
        return f"page {self.page}"


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
            self._seen.add(self._key(self.cursor))

    def get_url_params(self) -> dict[str, Any]:
        """`{cursor_param: cursor}` after the first page, plus the page size if configured."""
        params: dict[str, Any] = {}
        if self.cursor is not None:
            params[self.cursor_param] = self.cursor
        if self.size_param and self.page_size is not None:
            params[self.size_param] = self.page_size
        return params

    def advance(self, body: Any, records: list[RawRecord]) -> None:
        """Take the next cursor from `body`, or finish."""
        cursor = self._next_cursor(body)
        if not records or cursor is MISSING or cursor is None or cursor == "":
            self.finished = True
            return
        key = self._key(cursor)
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

    @staticmethod
    def _key(cursor: Any) -> Any:
        # Cursors are usually strings, but JSON allows numbers or objects; compare them by value.
        return cursor if isinstance(cursor, str | int | float) else repr(cursor)


def paginator_from_config(spec: Mapping[str, Any] | None, state: State | None) -> Paginator:
    """The paginator a `pagination` config block describes, resuming from `state`."""
    options = {key: value for key, value in (spec or {"type": "none"}).items() if key != "type"}
    kind = (spec or {}).get("type", "none")
    if kind == "none":
        return SinglePagePaginator()
    if kind == "page_number":
        return PageNumberPaginator(**options, state=state)
    if kind == "cursor":
        return CursorPaginator(**options, state=state)
    raise ConfigError(
        f"unknown pagination type {kind!r}", {"pagination.type": [f"Unknown type {kind!r}."]}
    )
