"""The schema of a declarative connector definition (docs/connector-definitions.md).

A definition is the config of the `declarative` connector type: marshmallow schemas that refuse
unknown keys and wrong types, and check every mapping target against the common schema of the
stream's entity, so a definition is refused, with the place of each mistake, before it runs.
Its JSON Schema is published from these schemas (`connectors.config_json_schema`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, validate, validates_schema

from connectors._base import ConfigSchema
from connectors.auth import HMAC_ALGORITHMS, HMAC_VARIABLES, template_names
from connectors.config import FieldMappingSpec, NamedObjects, QueryParams, TaggedUnion
from connectors.incremental import parse_lookback
from connectors.mapping import mapping_spec_errors
from connectors.records import path_problem
from schemas import ENTITY_SCHEMAS

ENTITIES = ("course", "certificate", "payment")


def _valid_path(value: str) -> None:
    problem = path_problem(value)
    if problem:
        raise ValidationError(problem)


def _non_empty_path(value: str) -> None:
    _valid_path(value)
    if not value:
        raise ValidationError("A path cannot be empty here.")


def _name() -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200))


# -- authentication ------------------------------------------------------------------------


class NoAuthSchema(ConfigSchema):
    """`{type: none}`: the source is open."""


class ApiKeyAuthSchema(ConfigSchema):
    """A static API key in a header or a query parameter."""

    key = fields.String(required=True, validate=validate.Length(min=1), metadata={"secret": True})
    name = fields.String(load_default="X-API-Key", validate=validate.Length(min=1))
    in_ = fields.String(
        data_key="in", load_default="header", validate=validate.OneOf(["header", "query"])
    )

    @marshmallow.post_load
    def _plain_in(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["in"] = data.pop("in_")
        return data


class BasicAuthSchema(ConfigSchema):
    """HTTP basic authentication."""

    username = fields.String(required=True, validate=validate.Length(min=1))
    password = fields.String(required=True, metadata={"secret": True})


class BearerAuthSchema(ConfigSchema):
    """`Authorization: Bearer <token>` with a static token."""

    token = fields.String(required=True, validate=validate.Length(min=1), metadata={"secret": True})


class OAuth2AuthSchema(ConfigSchema):
    """OAuth 2.0 client credentials: a token fetched from `token_url`, renewed before expiry."""

    token_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret = fields.String(
        required=True, validate=validate.Length(min=1), metadata={"secret": True}
    )
    scope = fields.String(load_default=None, allow_none=True)
    token_endpoint_auth_method = fields.String(
        load_default="client_secret_basic",
        validate=validate.OneOf(["client_secret_basic", "client_secret_post"]),
    )
    refresh_leeway = fields.Float(load_default=60.0, validate=validate.Range(min=0))


class HmacAuthSchema(ConfigSchema):
    """HMAC request signing: a message template over the request, signed with `key`, sent in
    headers built from templates."""

    key = fields.String(required=True, validate=validate.Length(min=1), metadata={"secret": True})
    algorithm = fields.String(load_default="sha256", validate=validate.OneOf(HMAC_ALGORITHMS))
    encoding = fields.String(load_default="hex", validate=validate.OneOf(["hex", "base64"]))
    message = fields.String(required=True, validate=validate.Length(min=1))
    values = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    headers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.String(),
        required=True,
        validate=validate.Length(min=1),
    )

    @validates_schema
    def _known_variables(self, data: dict[str, Any], **kwargs: Any) -> None:
        known = HMAC_VARIABLES | set(data.get("values") or {})
        errors: dict[str, Any] = {}
        templates = [("message", data.get("message", ""), known)]
        templates += [
            (f"headers.{name}", text, known | {"signature"})
            for name, text in (data.get("headers") or {}).items()
        ]
        for where, text, allowed in templates:
            try:
                unknown = sorted(set(template_names(text)) - allowed)
            except ValueError as exc:
                errors[where] = [str(exc)]
                continue
            if unknown:
                errors[where] = [f"Unknown variables {unknown}; known: {sorted(allowed)}."]
        if not any("{signature}" in text for text in (data.get("headers") or {}).values()):
            errors.setdefault("headers", []).append("No header carries the {signature}.")
        if errors:
            raise ValidationError(errors)


AUTH_KINDS: dict[str, type[marshmallow.Schema]] = {
    "none": NoAuthSchema,
    "api_key": ApiKeyAuthSchema,
    "basic": BasicAuthSchema,
    "bearer": BearerAuthSchema,
    "oauth2_client_credentials": OAuth2AuthSchema,
    "hmac": HmacAuthSchema,
}


# -- pagination ----------------------------------------------------------------------------


class NoPaginationSchema(ConfigSchema):
    """`{type: none}`: one answer (or one file) holds every record."""


class StopSchema(ConfigSchema):
    """When a numbered walk ends, besides at an empty page."""

    short_page = fields.Boolean(
        load_default=False,
        metadata={
            "description": "end at a page shorter than the page size; unsafe if the "
            "source caps its page size"
        },
    )
    total_path = fields.String(load_default=None, allow_none=True, validate=_non_empty_path)
    total_pages_path = fields.String(load_default=None, allow_none=True, validate=_non_empty_path)
    has_more_path = fields.String(load_default=None, allow_none=True, validate=_non_empty_path)


class PageNumberSchema(ConfigSchema):
    """Numbered pages."""

    page_param = fields.String(load_default="page", validate=validate.Length(min=1))
    size_param = fields.String(
        load_default="per_page",
        allow_none=True,
        metadata={"description": "null when the source takes no page size"},
    )
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1))
    start_page = fields.Integer(load_default=1, validate=validate.Range(min=0))
    stop = fields.Nested(StopSchema, load_default=None, allow_none=True)


class OffsetSchema(ConfigSchema):
    """Pages selected by an offset and a limit."""

    offset_param = fields.String(load_default="offset", validate=validate.Length(min=1))
    limit_param = fields.String(load_default="limit", validate=validate.Length(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1))
    stop = fields.Nested(StopSchema, load_default=None, allow_none=True)


class CursorSchema(ConfigSchema):
    """Pages chained by the cursor each page names in its body."""

    cursor_param = fields.String(load_default="cursor", validate=validate.Length(min=1))
    cursor_path = fields.String(load_default="next_cursor", validate=_non_empty_path)
    size_param = fields.String(load_default=None, allow_none=True)
    page_size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class NextUrlSchema(ConfigSchema):
    """Pages chained by the full URL of the next page, named in the body."""

    next_url_path = fields.String(load_default="next", validate=_non_empty_path)


class LinkHeaderSchema(ConfigSchema):
    """Pages chained by the `Link: <...>; rel="next"` header (RFC 8288)."""


PAGINATION_KINDS: dict[str, type[marshmallow.Schema]] = {
    "none": NoPaginationSchema,
    "page_number": PageNumberSchema,
    "offset": OffsetSchema,
    "cursor": CursorSchema,
    "next_url": NextUrlSchema,
    "link_header": LinkHeaderSchema,
}
#: Paginations that read the next page from a JSON body.
BODY_PAGINATIONS = frozenset({"cursor", "next_url"})


# -- formats -------------------------------------------------------------------------------


class JsonFormatSchema(ConfigSchema):
    """The body is JSON."""


class CsvFormatSchema(ConfigSchema):
    """CSV or an Excel CSV export; its first row is the header."""

    delimiter = fields.String(
        load_default="auto", validate=validate.OneOf(["auto", ",", ";", "\t", "|"])
    )
    encoding = fields.String(
        load_default="auto",
        validate=validate.OneOf(["auto", "utf-8", "utf-8-sig", "cp1252", "latin-1"]),
    )
    decimal = fields.String(load_default=",", validate=validate.OneOf([",", "."]))
    thousands = fields.String(
        load_default=".", allow_none=True, validate=validate.OneOf([".", ",", " ", "'"])
    )


class XmlFormatSchema(ConfigSchema):
    """An XML feed, parsed with defusedxml."""

    force_list = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)


FORMAT_KINDS: dict[str, type[marshmallow.Schema]] = {
    "json": JsonFormatSchema,
    "csv": CsvFormatSchema,
    "xml": XmlFormatSchema,
}


# -- streams -------------------------------------------------------------------------------


class IncrementalSchema(ConfigSchema):
    """Send the highest `cursor_field` value read so far, less `lookback`, as `param`."""

    cursor_field = fields.String(required=True, validate=_non_empty_path)
    param = fields.String(required=True, validate=validate.Length(min=1))
    lookback = fields.Raw(
        load_default=0,
        metadata={"description": "seconds, or an ISO 8601 duration such as PT1H"},
    )
    start = fields.Raw(load_default=None, allow_none=True)

    @validates_schema
    def _lookback(self, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            parse_lookback(data.get("lookback", 0))
        except ValueError as exc:
            raise ValidationError({"lookback": [str(exc)]}) from None
        start = data.get("start")
        if start is not None and (isinstance(start, bool) or not isinstance(start, str | int)):
            raise ValidationError({"start": ["Must be a string or a whole number."]})


class SkipRuleSchema(ConfigSchema):
    """A condition on a source field; exactly one of `equals`, `in`, `missing`."""

    path = fields.String(required=True, validate=_non_empty_path)
    equals = fields.Raw(allow_none=True)
    in_ = fields.List(fields.Raw(allow_none=True), data_key="in")
    missing = fields.Boolean()

    @validates_schema
    def _one_condition(self, data: dict[str, Any], **kwargs: Any) -> None:
        given = [key for key in ("equals", "in_", "missing") if key in data]
        if len(given) != 1:
            raise ValidationError("Give exactly one of 'equals', 'in', 'missing'.")

    @marshmallow.post_load
    def _plain_in(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "in_" in data:
            data["in"] = data.pop("in_")
        return data


class StreamSchema(ConfigSchema):
    """One stream: where its records are, how to read them, and how to map them."""

    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    path = fields.String(metadata={"description": "appended to base_url"})
    url = fields.Url(schemes={"http", "https"}, require_tld=False)
    file = fields.String(
        validate=validate.Length(min=1), metadata={"description": "a local file path"}
    )
    method = fields.String(load_default="GET", validate=validate.OneOf(["GET", "POST"]))
    params = QueryParams(
        load_default=dict, metadata={"description": "static query parameters sent with every page"}
    )
    body = fields.Dict(
        keys=fields.String(),
        load_default=None,
        allow_none=True,
        metadata={"description": "a JSON object sent with a POST"},
    )
    send_params_in = fields.String(load_default="query", validate=validate.OneOf(["query", "body"]))
    headers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    format = TaggedUnion(FORMAT_KINDS, load_default=lambda: {"type": "json"})
    records_path = fields.String(
        load_default="",
        validate=_valid_path,
        metadata={"description": "dotted path to the records; empty: the body is the array"},
    )
    pagination = TaggedUnion(PAGINATION_KINDS, load_default=lambda: {"type": "none"})
    incremental = fields.Nested(IncrementalSchema, load_default=None, allow_none=True)
    skip = fields.List(fields.Nested(SkipRuleSchema), load_default=list)
    mapping = FieldMappingSpec(
        required=True,
        metadata={"description": "target field -> source path or field spec"},
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}

        def add(where: str, message: str) -> None:
            errors.setdefault(where, []).append(message)

        places = [key for key in ("path", "url", "file") if key in data]
        if len(places) != 1:
            add("path", "Give exactly one of 'path' (under base_url), 'url' or 'file'.")
        fmt = (data.get("format") or {}).get("type", "json")
        paging = (data.get("pagination") or {}).get("type", "none")
        if fmt != "json" and paging in BODY_PAGINATIONS:
            add("pagination.type", f"{paging!r} reads a JSON body; a {fmt} source cannot use it.")
        if fmt == "xml" and not data.get("records_path"):
            add("records_path", "An XML source needs the path of its record elements.")
        if "file" in data:
            if paging != "none":
                add("pagination.type", "A local file is one document: use 'none'.")
            if data.get("incremental"):
                add("incremental", "A local file cannot be asked for changes only.")
            if fmt == "json":
                add("format.type", "A local file source is 'csv' or 'xml'.")
        if data.get("body") is not None and data.get("method") != "POST":
            add("body", "A body is sent with method POST only.")
        if data.get("send_params_in") == "body" and data.get("method") != "POST":
            add("send_params_in", "Parameters go in the body of a POST only.")
        if "mapping" in data and data.get("entity") in ENTITY_SCHEMAS:
            defaults = {
                k: data["format"][k] for k in ("decimal", "thousands") if k in data["format"]
            }
            for where, messages in mapping_spec_errors(data["mapping"], defaults).items():
                for message in messages:
                    add(f"mapping.{where}", message)
            for where, message in target_problems(data["mapping"], ENTITY_SCHEMAS[data["entity"]]):
                add(f"mapping.{where}", message)
        if errors:
            raise ValidationError(errors)


#: Seconds to wait for a connection, and between two reads of an answer, at the most.
MAX_CONNECT_TIMEOUT = 120.0
MAX_READ_TIMEOUT = 600.0


class HttpSettingsSchema(ConfigSchema):
    """Overrides of the HTTP client's settings for a slow or fragile source; each is optional."""

    # Bounded: a timeout of 1e10 s overflows the socket's deadline (OverflowError mid-sync).
    connect_timeout = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=MAX_CONNECT_TIMEOUT)
    )
    read_timeout = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=MAX_READ_TIMEOUT)
    )
    max_retries = fields.Integer(validate=validate.Range(min=0, max=10))
    # An answer is read whole into memory: the cap keeps one source from taking all of it.
    max_page_mib = fields.Integer(validate=validate.Range(min=1, max=4096))


class DefinitionSchema(ConfigSchema):
    """A declarative connector definition: the source, its authentication, and its streams."""

    base_url = fields.Url(schemes={"http", "https"}, require_tld=False)
    auth = TaggedUnion(AUTH_KINDS, load_default=lambda: {"type": "none"})
    streams = NamedObjects(StreamSchema, required=True)
    http = fields.Nested(HttpSettingsSchema, load_default=None, allow_none=True)

    @validates_schema
    def _base_url_when_needed(self, data: dict[str, Any], **kwargs: Any) -> None:
        streams = data.get("streams") or {}
        if "base_url" not in data and any("path" in spec for spec in streams.values()):
            raise ValidationError(
                {"base_url": ["Required: a stream gives its 'path' under base_url."]}
            )


def target_problems(
    mapping: Mapping[str, Any], schema: type[marshmallow.Schema], where: str = ""
) -> list[tuple[str, str]]:
    """The mapping targets that are not fields of `schema` (the entity's input form), as
    (place in the mapping, message); `each` mappings are checked against the list's items."""
    problems: list[tuple[str, str]] = []
    for target, spec in mapping.items():
        place = f"{where}.{target}" if where else str(target)
        if not isinstance(target, str):
            continue
        current: type[marshmallow.Schema] | None = schema
        field: fields.Field[Any] | None = None
        for depth, segment in enumerate(target.split(".")):
            assert current is not None
            field = _input_fields(current).get(segment)
            if field is None:
                known = ", ".join(sorted(_input_fields(current)))
                prefix = ".".join(target.split(".")[:depth])
                owner = f"'{prefix}'" if prefix else "the record"
                problems.append(
                    (
                        place,
                        f"The common schema has no field {segment!r} in {owner}; known: {known}.",
                    )
                )
                break
            current = _nested_schema(field)
        else:
            if isinstance(spec, dict) and isinstance(spec.get("each"), dict):
                if current is None:
                    problems.append(
                        (place, "'each' builds a list of objects; this field is not one.")
                    )
                else:
                    problems.extend(target_problems(spec["each"], current, f"{place}.each"))
    return problems


def _input_fields(schema: type[marshmallow.Schema]) -> dict[str, fields.Field[Any]]:
    declared: dict[str, fields.Field[Any]] = schema._declared_fields
    return {
        field.data_key or name: field for name, field in declared.items() if not field.dump_only
    }


def _nested_schema(field: fields.Field[Any]) -> type[marshmallow.Schema] | None:
    if isinstance(field, fields.List):
        field = field.inner
    if isinstance(field, fields.Nested) and isinstance(field.nested, type):
        return field.nested
    return None
