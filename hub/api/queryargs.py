"""The API's arguments parsers: bodies too deeply nested refused as bad JSON, and query arguments
parsed once per distinct query string (the hot list endpoints' arguments)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import Request, request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser, but a JSON body nested deeper than Python's recursion limit (a few
    kilobytes of `[[[[...`) is invalid JSON, a 400, not a `RecursionError` and a 500."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # With an empty document webargs would take the body for absent.
            raise json.JSONDecodeError("nested too deeply", "[", 0) from None


class QueryArgsParser(ArgumentsParser):
    """webargs' Flask parser that remembers what each query string parsed to.

    Arguments read from the query string depend only on it and on the schema, so a process
    parses a given query string once and answers copies of the result after that (the most
    recent `entries` kept). Refused input is never kept: it is parsed, and refused, every time.
    Other locations (bodies, headers) and arguments with extra validators are parsed as webargs
    always does.
    """

    def __init__(self, entries: int = 1024) -> None:
        super().__init__()
        self.entries = entries
        self._parsed: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def parse(
        self, argmap: Any, req: Request | None = None, *, location: str | None = None, **kwargs: Any
    ) -> Any:
        """`FlaskParser.parse`, from memory for a query string met before."""
        remembered = (
            location in ("query", "querystring")
            and isinstance(argmap, Schema)
            and kwargs.get("validate") is None
        )
        if not remembered:
            return super().parse(argmap, req, location=location, **kwargs)
        # What else parse takes (error status and headers) shapes only refusals, never kept.
        key = (argmap, location, kwargs.get("unknown"), (req or request).query_string)
        with self._lock:
            parsed = self._parsed.get(key)
            if parsed is not None:
                self._parsed.move_to_end(key)
                return dict(parsed)
        parsed = super().parse(argmap, req, location=location, **kwargs)
        with self._lock:
            self._parsed[key] = dict(parsed)
            while len(self._parsed) > self.entries:
                self._parsed.popitem(last=False)
        return parsed
