"""`json_api`: a declarative connector for partners that serve their records as JSON over HTTP.

Everything partner-specific is config: the base URL, the authentication, and per stream the
path, where the records sit in a page, how pages chain, the incremental parameter and the field
mapping. The pieces are separate so that new kinds plug in without touching the others:
authenticators (`connectors.auth`), paginators (`connectors.pagination`), record extraction
(`connectors.records`), the high-water mark (`connectors.incremental`) and the mapping
(`connectors.mapping`). `JsonApiStream` ties them together through small overridable hooks
(`get_url_params`, `parse_response`, `extract_records`).

State (JSON): `{"page": n}` or `{"cursor": c}` while a walk is under way (the next page to read),
plus for incremental streams `"since"` (the lower bound this walk sends) and `"max_seen"` (the
highest cursor value read so far). The checkpoint after the last page drops the position and
keeps `{"since": max_seen}`, so the next read starts a new walk from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import requests
from marshmallow import ValidationError, fields, validate
from requests.auth import AuthBase

from connectors._base import (
    Checkpoint,
    ConfigSchema,
    Connector,
    Mapper,
    RawRecord,
    State,
    Stream,
    SyncMode,
)
from connectors.auth import auth_from_config
from connectors.config import FieldMappingSpec, NamedObjects, QueryParams, TaggedUnion
from connectors.errors import ConfigError
from connectors.http import HttpClient, decode_json
from connectors.incremental import HighWaterMark
from connectors.mapping import compile_mapping
from connectors.pagination import Paginator, paginator_from_config
from connectors.records import RecordExtractor, path_problem


def _valid_path(value: str) -> None:
    problem = path_problem(value)
    if problem:
        raise ValidationError(problem)


class NoAuthSchema(ConfigSchema):
    """`{"type": "none"}`: the source is open."""


class ApiKeyAuthSchema(ConfigSchema):
    """`{"type": "api_key", "header": "X-API-Key", "key": "..."}`: a static key in a header."""

    header = fields.String(load_default="X-API-Key", validate=validate.Length(min=1))
    key = fields.String(required=True, validate=validate.Length(min=1), metadata={"secret": True})


class BearerAuthSchema(ConfigSchema):
    """`{"type": "bearer", "token": "..."}`: `Authorization: Bearer <token>`."""

    token = fields.String(required=True, validate=validate.Length(min=1), metadata={"secret": True})


class NoPaginationSchema(ConfigSchema):
    """`{"type": "none"}`: one answer holds every record."""


class PageNumberSchema(ConfigSchema):
    """Numbered pages; the walk ends at an empty page or one shorter than `page_size`."""

    page_param = fields.String(load_default="page", validate=validate.Length(min=1))
    size_param = fields.String(
        load_default="per_page",
        allow_none=True,
        metadata={"description": "null when the source takes no page size"},
    )
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1))
    start_page = fields.Integer(load_default=1, validate=validate.Range(min=0))


class CursorSchema(ConfigSchema):
    """Pages chained by the cursor each page names; the walk ends at a null or empty cursor."""

    cursor_param = fields.String(load_default="cursor", validate=validate.Length(min=1))
    cursor_path = fields.String(load_default="next_cursor", validate=_valid_path)
    size_param = fields.String(load_default=None, allow_none=True)
    page_size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class IncrementalSchema(ConfigSchema):
    """Send the highest `cursor_field` value read so far as the query parameter `param`."""

    cursor_field = fields.String(required=True, validate=[validate.Length(min=1), _valid_path])
    param = fields.String(required=True, validate=validate.Length(min=1))


class StreamSchema(ConfigSchema):
    """One stream: where its pages are, where the records sit in them, and how to map them."""

    entity = fields.String(
        required=True, validate=validate.OneOf(["course", "certificate", "payment"])
    )
    path = fields.String(required=True, metadata={"description": "appended to base_url"})
    records_path = fields.String(
        load_default="",
        validate=_valid_path,
        metadata={"description": "dotted path to the record array; empty: the body is the array"},
    )
    pagination = TaggedUnion(
        {"none": NoPaginationSchema, "page_number": PageNumberSchema, "cursor": CursorSchema},
        load_default=lambda: {"type": "none"},
    )
    params = QueryParams(
        load_default=dict,
        metadata={"description": "static query parameters sent with every page"},
    )
    incremental = fields.Nested(IncrementalSchema, load_default=None, allow_none=True)
    mapping = FieldMappingSpec(
        required=True,
        metadata={"description": "target field -> source path or field spec (connectors.mapping)"},
    )


class HttpSettingsSchema(ConfigSchema):
    """Overrides of the HTTP client's settings for a slow or fragile source; each is optional."""

    connect_timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    read_timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    max_retries = fields.Integer(validate=validate.Range(min=0, max=10))


class JsonApiConfigSchema(ConfigSchema):
    """Config of a `json_api` connector."""

    base_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    auth = TaggedUnion(
        {"none": NoAuthSchema, "api_key": ApiKeyAuthSchema, "bearer": BearerAuthSchema},
        load_default=lambda: {"type": "none"},
    )
    streams = NamedObjects(StreamSchema, required=True)
    http = fields.Nested(HttpSettingsSchema, load_default=None, allow_none=True)


class JsonApiStream:
    """One configured stream of a JSON API: how to ask for a page and what a page holds."""

    accept: ClassVar[str] = "application/json"

    def __init__(
        self,
        name: str,
        spec: Mapping[str, Any],
        *,
        base_url: str,
        auth: AuthBase | None,
        http: HttpClient,
    ) -> None:
        self.name = name
        self.spec = spec
        self.url = f"{base_url.rstrip('/')}/{spec['path'].lstrip('/')}"
        self.auth = auth
        self.http = http
        self.extractor = RecordExtractor(spec["records_path"])
        self.incremental: Mapping[str, Any] | None = spec.get("incremental")

    def get_new_paginator(self, state: State | None) -> Paginator:
        """A paginator for a walk, resuming from `state` if it holds a position."""
        return paginator_from_config(self.spec.get("pagination"), state)

    def get_url_params(self, paginator: Paginator, since: Any) -> dict[str, Any]:
        """The query of the current page: static params, the incremental bound, the page."""
        params = dict(self.spec.get("params") or {})
        if self.incremental is not None and since is not None:
            params[self.incremental["param"]] = since
        params.update(paginator.get_url_params())
        return params

    def parse_response(self, response: requests.Response) -> Any:
        """The decoded body of a page."""
        return decode_json(response)

    def extract_records(self, body: Any, where: str) -> list[RawRecord]:
        """The records of a decoded page."""
        return self.extractor(body, where)

    def fetch_page(self, paginator: Paginator, since: Any) -> tuple[Any, list[RawRecord]]:
        """Request the paginator's current page: its decoded body and its records."""
        response = self.http.request(
            "GET",
            self.url,
            params=self.get_url_params(paginator, since),
            auth=self.auth,
            headers={"Accept": self.accept},
        )
        body = self.parse_response(response)
        return body, self.extract_records(body, f"stream {self.name!r}, {paginator.position}")

    def read(self, state: State | None) -> Iterator[RawRecord | Checkpoint]:
        """Yield every record of the walk, each page followed by its checkpoint."""
        state = state or {}
        paginator = self.get_new_paginator(state)
        since = state.get("since")
        mark = None
        if self.incremental is not None:
            mark = HighWaterMark(self.incremental["cursor_field"], state.get("max_seen", since))
        while True:
            body, records = self.fetch_page(paginator, since)
            for record in records:
                if mark is not None:
                    mark.observe(record)
                yield record
            paginator.advance(body, records)
            yield Checkpoint(self._checkpoint_state(paginator, since, mark))
            if paginator.finished:
                return

    def _checkpoint_state(
        self, paginator: Paginator, since: Any, mark: HighWaterMark | None
    ) -> dict[str, Any]:
        state = paginator.state
        if mark is None:
            return state
        if paginator.finished:
            return {} if mark.value is None else {"since": mark.value}
        if since is not None:
            state["since"] = since
        if mark.value is not None:
            state["max_seen"] = mark.value
        return state


class JsonApiConnector(Connector):
    """Reads partner records from a JSON-over-HTTP API described entirely by its config.

    Give it an `HttpClient` to tune retries (or, in tests, to record backoff delays instead of
    sleeping); by default it makes its own. A config's `http` block overrides the client's
    timeouts and retry count for that source.
    """

    name: ClassVar[str] = "json_api"
    config_schema: ClassVar[type[ConfigSchema]] = JsonApiConfigSchema

    def __init__(self, http: HttpClient | None = None) -> None:
        self.http = http if http is not None else HttpClient()

    def streams(self, config: Mapping[str, Any]) -> Mapping[str, Stream]:
        """The configured streams; those with an `incremental` block can also sync incrementally."""
        offered = {}
        for name, spec in config["streams"].items():
            modes: tuple[SyncMode, ...] = ("full_refresh",)
            if spec.get("incremental"):
                modes = ("full_refresh", "incremental")
            offered[name] = Stream(name=name, entity=spec["entity"], sync_modes=modes)
        return offered

    def check(self, config: Mapping[str, Any]) -> None:
        """Fetch the first page of the first stream; raise the classified error if that fails."""
        first = next(iter(config["streams"]))
        stream = self.stream(config, first)
        stream.fetch_page(stream.get_new_paginator(None), since=None)

    def read(
        self, config: Mapping[str, Any], stream: str, state: State | None
    ) -> Iterator[RawRecord | Checkpoint]:
        """Yield the stream's records page by page, each page followed by a `Checkpoint`."""
        return self.stream(config, stream).read(state)

    def mapper(self, config: Mapping[str, Any], stream: str) -> Mapper:
        """The stream's field mapping, compiled."""
        return compile_mapping(self._stream_spec(config, stream)["mapping"])

    def stream(self, config: Mapping[str, Any], name: str) -> JsonApiStream:
        """The configured stream `name`, ready to read."""
        settings = config.get("http")
        return JsonApiStream(
            name,
            self._stream_spec(config, name),
            base_url=config["base_url"],
            auth=auth_from_config(config.get("auth") or {"type": "none"}),
            http=self.http.with_settings(**settings) if settings else self.http,
        )

    @staticmethod
    def _stream_spec(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        streams: Mapping[str, Any] = config["streams"]
        if name not in streams:
            raise ConfigError(
                f"unknown stream {name!r}; this connector offers: {', '.join(streams)}",
                {"stream": [f"Unknown stream {name!r}."]},
            )
        spec: Mapping[str, Any] = streams[name]
        return spec
