"""Common schema v1: the marshmallow schemas of the hub's entities and their fast normalizer.

The schemas in `schemas.entities` are the single source of truth; `Normalizer` loads records
through a fast path compiled from them, and `export_json_schemas` publishes them as JSON Schema.
Field types for Indonesian data live in `schemas.fields`.
"""

from schemas._errors import RecordInvalid, flatten_errors
from schemas._json_schema import export_json_schemas, json_schema
from schemas._normalizer import ENTITY_SCHEMAS, PARTNER_SCHEMA, Normalizer
from schemas.fields import participant_ref

__all__ = [
    "ENTITY_SCHEMAS",
    "PARTNER_SCHEMA",
    "Normalizer",
    "RecordInvalid",
    "export_json_schemas",
    "flatten_errors",
    "json_schema",
    "participant_ref",
]
