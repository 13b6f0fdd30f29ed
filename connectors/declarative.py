"""`declarative`: a connector whose every partner-specific part is a definition
(docs/connector-definitions.md): HTTP JSON APIs, CSV exports and XML feeds, six ways to
authenticate, six ways to page, incremental reads with a lookback, record skipping, and a field
mapping into the common schema.

The pieces are separate modules: the definition schema (`connectors.definition`),
authenticators (`connectors.auth`), paginators (`connectors.pagination`), record readers
(`connectors.records`, `connectors.formats`), the high-water mark (`connectors.incremental`)
and the mapping (`connectors.mapping`). `DeclarativeStream` ties them together.

State (JSON): the paginator's position while a walk is under way (`page`, `offset`, `cursor`
or `next_url`; `offset` also counts the records of a streamed file), plus for incremental
streams `"since"` (the mark this walk started from) and `"max_seen"` (the highest cursor value
read so far). The checkpoint after the last page keeps only `{"since": max_seen}`, so the next
read starts a new walk from there, less the lookback.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, ClassVar, cast

import msgspec
import orjson
import requests
from requests.auth import AuthBase

from connectors._base import (
    Checkpoint,
    ConfigSchema,
    Connector,
    Mapper,
    Notice,
    RawRecord,
    State,
    Stream,
    SyncMode,
)
from connectors.auth import auth_from_config
from connectors.definition import DefinitionSchema
from connectors.encoded import EncodedRecords, RecordSplitter
from connectors.errors import ConfigError, SourceFormatError, SourceUnavailableError
from connectors.formats import read_csv, read_xml
from connectors.http import HttpClient, not_json
from connectors.incremental import HighWaterMark, parse_lookback, step_back
from connectors.mapping import SourceField, compile_mapping, source_fields
from connectors.pagination import Page, Paginator, paginator_from_config
from connectors.records import MISSING, RecordExtractor, compile_path
from connectors.repair import replace_lone_surrogates

#: Records of a streamed file between two checkpoints.
STREAM_CHECKPOINT_EVERY = 1000
#: The notice of a page read with lone surrogates replaced (its count: how many).
REPAIRED_TEXT = "lone UTF-16 surrogates (ill-formed Unicode) replaced with U+FFFD"


def number_defaults(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The stream's number conventions for the `number` and `rupiah` transforms (CSV formats
    name them)."""
    fmt = spec.get("format") or {}
    return {key: fmt[key] for key in ("decimal", "thousands") if key in fmt}


def compile_skip(rules: list[Mapping[str, Any]]) -> Callable[[RawRecord], bool] | None:
    """A predicate true for records any skip rule matches; None when there are no rules."""
    if not rules:
        return None
    tests = [_skip_test(rule) for rule in rules]
    return lambda record: any(test(record) for test in tests)


def _skip_test(rule: Mapping[str, Any]) -> Callable[[RawRecord], bool]:
    get = compile_path(rule["path"])
    if "equals" in rule:
        wanted = rule["equals"]

        def equals(record: RawRecord) -> bool:
            return bool(get(record) == wanted)

        return equals
    if "in" in rule:
        choices = list(rule["in"])

        def among(record: RawRecord) -> bool:
            return get(record) in choices

        return among
    absent = bool(rule["missing"])

    def missing(record: RawRecord) -> bool:
        return (get(record) in (MISSING, None)) == absent

    return missing


class DriftWatch:
    """Notices when a field the mapping reads vanishes from every record of a page: the source
    renamed or dropped it. Each vanished field is reported once per read, with the unmapped
    fields seen instead (likely the new name). The usual case costs one look at a page's first
    record."""

    def __init__(self, fields: list[SourceField]) -> None:
        self.required = [field for field in fields if field.required]
        self.mapped = {name for field in fields for name in field.names}
        self.reported: set[str] = set()

    def check(self, records: list[RawRecord], where: str) -> Notice | None:
        """A `schema_drift` notice if a required field is absent from all of `records`."""
        if not records:
            return None
        suspects = self._suspects(records[0])
        if not suspects:
            return None
        vanished = [
            field
            for field in suspects
            if field.target not in self.reported
            and not any(name in record for record in records for name in field.names)
        ]
        if not vanished:
            return None
        self.reported.update(field.target for field in vanished)
        unmapped = sorted({key for record in records for key in record} - self.mapped)[:10]
        named = ", ".join(
            f"'{' or '.join(field.names)}' (for {field.target})" for field in vanished
        )
        return Notice(
            "schema_drift",
            f"source fields {named} missing from every record of {where}; "
            f"unmapped fields seen: {', '.join(unmapped) or 'none'}",
        )

    def might_drift(self, first: RawRecord) -> bool:
        """Whether a page whose first record is `first` needs `check`: the first record lacks a
        required field."""
        return bool(self._suspects(first))

    def _suspects(self, first: RawRecord) -> list[SourceField]:
        return [f for f in self.required if not any(name in first for name in f.names)]


class DeclarativeStream:
    """One stream of a definition, ready to read."""

    def __init__(
        self,
        name: str,
        spec: Mapping[str, Any],
        *,
        base_url: str | None,
        auth: AuthBase | None,
        http: HttpClient,
    ) -> None:
        self.name = name
        self.spec = spec
        self.auth = auth
        self.http = http
        self.format: Mapping[str, Any] = spec.get("format") or {"type": "json"}
        self.kind = self.format["type"]
        if "path" in spec:
            assert base_url is not None
            self.url: str | None = f"{base_url.rstrip('/')}/{spec['path'].lstrip('/')}"
        else:
            self.url = spec.get("url")
        self.file: str | None = spec.get("file")
        self.extractor = RecordExtractor(spec.get("records_path", ""))
        self.incremental: Mapping[str, Any] | None = spec.get("incremental")
        self.skip = compile_skip(spec.get("skip") or [])
        self.drift = DriftWatch(source_fields(spec["mapping"]))
        self.force_list = frozenset(self.format.get("force_list") or [])
        # A JSON page's records are handed on as their texts, undecoded, unless a rule of the
        # stream reads every record as it goes by (skip rules, the incremental mark).
        records_path = spec.get("records_path", "")
        self.splitter = (
            RecordSplitter(records_path)
            if self.kind == "json"
            and RecordSplitter.handles(records_path)
            and self.skip is None
            and self.incremental is None
            else None
        )

    # -- requests ------------------------------------------------------------------------

    def get_new_paginator(self, state: State | None) -> Paginator:
        """A paginator for a walk, resuming from `state` if it holds a position."""
        return paginator_from_config(self.spec.get("pagination"), state)

    def lower_bound(self, since: Any) -> Any:
        """The incremental bound to send: the mark less the lookback, or the `start`."""
        assert self.incremental is not None
        if since is None:
            return self.incremental.get("start")
        return step_back(since, parse_lookback(self.incremental.get("lookback", 0)))

    def request_args(self, paginator: Paginator, since: Any) -> tuple[str, dict[str, Any]]:
        """The URL of the current page and the keyword arguments of its request."""
        moving = {} if paginator.next_url else dict(paginator.get_url_params())
        if self.incremental is not None and not paginator.next_url:
            bound = self.lower_bound(since)
            if bound is not None:
                moving[self.incremental["param"]] = bound
        accept = {"json": "application/json", "csv": "text/csv", "xml": "application/xml"}
        headers = {"Accept": accept[self.kind], **(self.spec.get("headers") or {})}
        kwargs: dict[str, Any] = {"auth": self.auth, "headers": headers}
        params = {} if paginator.next_url else dict(self.spec.get("params") or {})
        if self.spec.get("method", "GET") == "POST":
            body = dict(self.spec.get("body") or {})
            if self.spec.get("send_params_in") == "body":
                body.update(moving)
            else:
                params.update(moving)
            # Serialized once, here: a signature covers exactly these bytes.
            kwargs["data"] = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        else:
            params.update(moving)
        kwargs["params"] = params
        url = paginator.next_url or self.url
        assert url is not None
        return url, kwargs

    def page_request(self, paginator: Paginator, since: Any) -> Callable[[], requests.Response]:
        """The request of the paginator's current page, its arguments taken now, to send later
        (perhaps on another thread)."""
        url, kwargs = self.request_args(paginator, since)
        return functools.partial(self.http.request, self.spec.get("method", "GET"), url, **kwargs)

    def parse_page(self, response: requests.Response, position: str) -> Page:
        """The page a response carries; `position` (such as "page 3") names it in errors.

        A JSON page that escapes lone surrogates (see `connectors.repair`) is read with each
        replaced by U+FFFD, and says how many in its `repaired`.
        """
        where = f"stream {self.name!r}, {position}"
        if self.kind != "json":
            return Page(None, list(self._parse(_content_stream(response), where)), response.links)
        content = response.content
        try:
            return self._json_page(content, response.links, where)
        except (msgspec.DecodeError, orjson.JSONDecodeError) as exc:
            # Only a page that fails is searched for lone surrogates: a good one costs nothing.
            repaired, replaced = replace_lone_surrogates(content)
            if not replaced:
                raise not_json(response, exc) from exc
            try:
                page = self._json_page(repaired, response.links, where)
            except (msgspec.DecodeError, orjson.JSONDecodeError):
                raise not_json(response, exc) from exc
            page.repaired = replaced
            return page

    def _json_page(
        self, content: bytes, links: Mapping[str, Mapping[str, str]], where: str
    ) -> Page:
        """The page of a JSON body; raises the decoders' errors for a body that is not JSON."""
        if self.splitter is not None:
            members, encoded = self.splitter(content, where)
            return Page(members, encoded.texts, links, encoded=encoded)
        body = orjson.loads(content)
        again = functools.partial(self._decode_records, content, where)
        return Page(body, self.extractor(body, where), links, again)

    def _decode_records(self, content: bytes, where: str) -> list[RawRecord]:
        return self.extractor(orjson.loads(content), where)

    def _parse(self, source: IO[bytes], where: str) -> Iterator[RawRecord]:
        if self.kind == "csv":
            return read_csv(
                source,
                delimiter=self.format.get("delimiter", "auto"),
                encoding=self.format.get("encoding", "auto"),
                where=where,
            )
        return read_xml(source, self.spec["records_path"], force_list=self.force_list, where=where)

    # -- reading -------------------------------------------------------------------------

    def read(
        self, state: State | None
    ) -> Iterator[RawRecord | EncodedRecords | Checkpoint | Notice]:
        """Yield every record of the walk, each page followed by its checkpoint."""
        state = state or {}
        since = state.get("since")
        mark = None
        if self.incremental is not None:
            mark = HighWaterMark(self.incremental["cursor_field"], state.get("max_seen", since))
        paging = (self.spec.get("pagination") or {}).get("type", "none")
        if self.kind != "json" and paging == "none":
            yield from self._read_document(state, since, mark)
            return
        paginator = self.get_new_paginator(state)
        # The next page is requested, on a thread of its own, while the records of this one
        # are handled: the source prepares and sends it meanwhile, and the wait for it (~0.7 µs
        # a record from a local source, far more from a partner's) overlaps the sync's work.
        # Its request is known once this page is parsed, whichever the kind of pagination.
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"read-ahead-{self.name}")
        try:
            upcoming = ahead.submit(self.page_request(paginator, since))
            while True:
                where = paginator.position
                page = self.parse_page(upcoming.result(), where)
                paginator.advance(page)
                if not paginator.finished:
                    upcoming = ahead.submit(self.page_request(paginator, since))
                if page.repaired:
                    yield Notice("repaired_text", REPAIRED_TEXT, page.repaired)
                if page.encoded is not None:
                    yield from self._deliver_encoded(page.encoded, where)
                else:
                    yield from self._deliver(cast(list[RawRecord], page.records), where, mark)
                # Not held while the sync handles the checkpoint: it prepares the page's
                # records then and drops them, and freed there, still in the CPU's caches,
                # they cost ~2 µs a record less than freed a page later (unchanged re-sync).
                del page
                yield Checkpoint(
                    self._checkpoint_state(paginator.state, paginator.finished, since, mark)
                )
                if paginator.finished:
                    return
        finally:
            # A reader that stops early does not wait for the page requested ahead.
            ahead.shutdown(wait=False, cancel_futures=True)

    def _read_document(
        self, state: State, since: Any, mark: HighWaterMark | None
    ) -> Iterator[RawRecord | EncodedRecords | Checkpoint | Notice]:
        """A whole CSV or XML document, streamed, with a checkpoint every so many records."""
        done = state.get("offset", 0)
        if not isinstance(done, int) or isinstance(done, bool) or done < 0:
            raise ConfigError(
                "invalid state: 'offset' must be a count", {"state.offset": ["Not a count."]}
            )
        with self._open_document(since) as source:
            where = f"stream {self.name!r}"
            position = 0
            chunk: list[RawRecord] = []
            for record in self._parse(source, where):
                position += 1
                if position <= done:
                    continue
                chunk.append(record)
                if len(chunk) == STREAM_CHECKPOINT_EVERY:
                    yield from self._deliver(chunk, f"records up to {position}", mark)
                    chunk = []
                    yield Checkpoint(
                        self._checkpoint_state({"offset": position}, False, since, mark)
                    )
            yield from self._deliver(chunk, f"records up to {position}", mark)
            yield Checkpoint(self._checkpoint_state({}, True, since, mark))

    @contextlib.contextmanager
    def _open_document(self, since: Any) -> Iterator[IO[bytes]]:
        if self.file is not None:
            try:
                handle = Path(self.file).open("rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise SourceUnavailableError(
                    f"stream {self.name!r}: cannot open {self.file}: {exc.strerror}"
                ) from None
            with handle:
                yield handle
            return
        paginator = self.get_new_paginator(None)
        url, kwargs = self.request_args(paginator, since)
        try:
            response = self.http.request(self.spec.get("method", "GET"), url, stream=True, **kwargs)
        except requests.RequestException as exc:  # pragma: no cover - HttpClient classifies
            raise SourceUnavailableError(f"stream {self.name!r}: {type(exc).__name__}") from None
        with response:
            try:
                yield _content_stream(response)
            except requests.RequestException as exc:
                raise SourceUnavailableError(
                    f"stream {self.name!r}: the download broke off ({type(exc).__name__})"
                ) from None

    def _deliver_encoded(
        self, records: EncodedRecords, where: str
    ) -> Iterator[EncodedRecords | Notice]:
        if records.texts and self.drift.might_drift(records.decode(0)):
            drift = self.drift.check(records.decode_all(), f"stream {self.name!r}, {where}")
            if drift is not None:
                yield drift
        yield records

    def _deliver(
        self, records: list[RawRecord], where: str, mark: HighWaterMark | None
    ) -> Iterator[RawRecord | Notice]:
        drift = self.drift.check(records, f"stream {self.name!r}, {where}")
        if drift is not None:
            yield drift
        skipped = 0
        for record in records:
            if mark is not None:
                mark.observe(record)
            if self.skip is not None and self.skip(record):
                skipped += 1
                continue
            yield record
        if skipped:
            yield Notice("skipped", "records matching a skip rule", skipped)

    @staticmethod
    def _checkpoint_state(
        position: dict[str, Any], finished: bool, since: Any, mark: HighWaterMark | None
    ) -> dict[str, Any]:
        if mark is None:
            return position
        if finished:
            return {} if mark.value is None else {"since": mark.value}
        state = dict(position)
        if since is not None:
            state["since"] = since
        if mark.value is not None:
            state["max_seen"] = mark.value
        return state


def _content_stream(response: requests.Response) -> IO[bytes]:
    """The response body as a binary file object, content-encoding undone."""
    response.raw.decode_content = True
    return cast(IO[bytes], response.raw)


class DeclarativeConnector(Connector):
    """Reads a partner's records as its definition describes (docs/connector-definitions.md).

    Give it an `HttpClient` to tune retries (or, in tests, to record backoff delays instead of
    sleeping); by default it makes its own. A definition's `http` block overrides the client's
    timeouts and retry count for that source.
    """

    name: ClassVar[str] = "declarative"
    config_schema: ClassVar[type[ConfigSchema]] = DefinitionSchema

    def __init__(self, http: HttpClient | None = None) -> None:
        self.http = http if http is not None else HttpClient()
        self._auth_cache: dict[bytes, AuthBase | None] = {}

    def streams(self, config: Mapping[str, Any]) -> Mapping[str, Stream]:
        """The defined streams; those with an `incremental` block can also sync incrementally."""
        offered = {}
        for name, spec in config["streams"].items():
            modes: tuple[SyncMode, ...] = ("full_refresh",)
            if spec.get("incremental"):
                modes = ("full_refresh", "incremental")
            offered[name] = Stream(name=name, entity=spec["entity"], sync_modes=modes)
        return offered

    def check(self, config: Mapping[str, Any]) -> None:
        """Read the first records of the first stream; raise the classified error if that fails."""
        first = next(iter(config["streams"]))
        for item in self.read(config, first, None):
            if isinstance(item, Checkpoint):
                return

    def read(
        self, config: Mapping[str, Any], stream: str, state: State | None
    ) -> Iterator[RawRecord | EncodedRecords | Checkpoint | Notice]:
        """Yield the stream's records page by page, each page followed by a `Checkpoint`."""
        return self.stream(config, stream).read(state)

    def mapper(self, config: Mapping[str, Any], stream: str) -> Mapper:
        """The stream's field mapping, compiled."""
        spec = self._stream_spec(config, stream)
        return compile_mapping(spec["mapping"], number_defaults(spec))

    def stream(self, config: Mapping[str, Any], name: str) -> DeclarativeStream:
        """The defined stream `name`, ready to read."""
        settings = config.get("http")
        http = self.http.with_settings(**settings) if settings else self.http
        return DeclarativeStream(
            name,
            self._stream_spec(config, name),
            base_url=config.get("base_url"),
            auth=self._auth(config.get("auth") or {"type": "none"}, http),
            http=http,
        )

    def _auth(self, spec: Mapping[str, Any], http: HttpClient) -> AuthBase | None:
        # One authenticator per credentials for the connector's life, so an OAuth token is
        # fetched once and shared by every stream and thread that reads with it.
        key = orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)
        if key not in self._auth_cache:
            self._auth_cache[key] = auth_from_config(spec, timeout=http.timeout)
        return self._auth_cache[key]

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


class JsonApiConnector(DeclarativeConnector):
    """`json_api`, the former name of `declarative`: connectors registered under it keep
    running on the same engine with the same definitions."""

    name: ClassVar[str] = "json_api"


__all__ = ["DeclarativeConnector", "DeclarativeStream", "JsonApiConnector", "SourceFormatError"]
