"""`Normalizer`: one entity's records in, normalized documents out, through the fast path."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError

from schemas._context import CURRENT, DEFAULT_ZONE, LoadContext
from schemas._errors import RecordInvalid, flatten_errors
from schemas._fastpath import HappyLoader, Loader, Reject, compile_happy_loader, compile_loader
from schemas.entities import (
    CertificateSchema,
    CourseSchema,
    PartnerSchema,
    PaymentTransactionSchema,
)

#: The schemas of the entities that partners' streams and pushes feed, by entity name.
ENTITY_SCHEMAS: dict[str, type[Schema]] = {
    "course": CourseSchema,
    "certificate": CertificateSchema,
    "payment": PaymentTransactionSchema,
}
#: The partner schema: admins create partners, no stream feeds them, so it stands apart.
PARTNER_SCHEMA: type[Schema] = PartnerSchema


class Normalizer:
    """Validates records of one entity (`"course"`, `"certificate"`, `"payment"` or
    `"partner"`) from one source into normalized documents.

    `nik_key` (at least 16 bytes) keys `participant.ref`; `timezone` is the source's zone, in
    which naive times are read. Both are fixed for the normalizer's life; an unknown entity, a
    short key or a zone other than the three of Indonesia raise ValueError here.

    A call gives exactly what the marshmallow schema's load gives, only faster: the schema is
    compiled once into a happy path for records in the usual forms and a fast path for the
    rest; whatever neither accepts goes to marshmallow, which also words every error. A
    normalizer may be shared between threads.
    """

    def __init__(self, entity: str, *, nik_key: bytes, timezone: str = DEFAULT_ZONE) -> None:
        schema_class = ENTITY_SCHEMAS.get(entity) or (
            PARTNER_SCHEMA if entity == "partner" else None
        )
        if schema_class is None:
            known = ", ".join([*ENTITY_SCHEMAS, "partner"])
            raise ValueError(f"unknown entity {entity!r}: expected one of {known}")
        if not isinstance(nik_key, bytes) or len(nik_key) < 16:
            raise ValueError("nik_key must be bytes, at least 16 of them")
        self.entity = entity
        self._context = LoadContext(zone_name=timezone, nik_key=nik_key)
        self._schema, self._happy, self._fast = _compiled(schema_class)

    @property
    def timezone(self) -> str:
        """The source's zone."""
        return self._context.zone_name

    @property
    def compiled(self) -> bool:
        """Whether the schema has a fast path (False: every record goes through marshmallow)."""
        return self._fast is not None

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record's normalized document, or `RecordInvalid` with per-field messages."""
        # The happy path needs no context variable: setting and resetting it would cost
        # ~0.2 us a record, 5% of a course's load.
        if self._happy is not None:
            try:
                return self._happy(record, self._context)
            except Reject:
                pass
        token = CURRENT.set(self._context)
        try:
            if self._fast is not None:
                try:
                    return self._fast(record)
                except Reject:
                    pass
            try:
                return self._schema.load(record)
            except ValidationError as error:
                messages = error.messages
        finally:
            CURRENT.reset(token)
        # Raised outside the handler: marshmallow's error holds the raw record, NIK included.
        raise RecordInvalid(flatten_errors(messages))


@functools.cache
def _compiled(schema_class: type[Schema]) -> tuple[Schema, HappyLoader | None, Loader | None]:
    """One schema instance, its happy path and its fast path per schema class, for every
    normalizer of the process: compiling takes tens of milliseconds, and a sync of 185
    partners makes a normalizer per run. All are stateless between loads (but for memos), so
    sharing them is safe."""
    schema = schema_class()
    return schema, compile_happy_loader(schema), compile_loader(schema)
