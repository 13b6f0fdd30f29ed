"""The connector SDK: the interface every connector implements, its errors, and the registry.

A connector reads one partner system's records and maps them into the common schema
(DESIGN.md §3). Connector types are installed as entry points in the group `hub.connectors`.
"""

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
from connectors.encoded import EncodedRecords, each_record
from connectors.errors import (
    AuthenticationError,
    ClientRequestError,
    ConfigError,
    ConnectorError,
    ConnectorTypeError,
    FatalError,
    MappingError,
    PaginationLoopError,
    RateLimitedError,
    RetriableError,
    SourceFormatError,
    SourceTimeoutError,
    SourceUnavailableError,
)
from connectors.http import HttpClient
from connectors.mapping import compile_mapping
from connectors.registry import (
    config_json_schema,
    connector_type_problems,
    connector_types,
    get_connector_type,
    load_config,
    map_secrets,
    redact_config,
)

__all__ = [
    "AuthenticationError",
    "Checkpoint",
    "ClientRequestError",
    "ConfigError",
    "ConfigSchema",
    "Connector",
    "ConnectorError",
    "ConnectorTypeError",
    "EncodedRecords",
    "FatalError",
    "HttpClient",
    "Mapper",
    "MappingError",
    "Notice",
    "PaginationLoopError",
    "RateLimitedError",
    "RawRecord",
    "RetriableError",
    "SourceFormatError",
    "SourceTimeoutError",
    "SourceUnavailableError",
    "State",
    "Stream",
    "SyncMode",
    "compile_mapping",
    "config_json_schema",
    "connector_type_problems",
    "connector_types",
    "each_record",
    "get_connector_type",
    "load_config",
    "map_secrets",
    "redact_config",
]
