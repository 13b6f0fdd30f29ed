"""Stable hub ids: derived from what identifies a record at its source, so re-ingesting a record
never creates a second one, and related records can name each other before both have arrived."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("6f1c9a52-3c1e-4f57-9d0b-2a8a3f0e7b11")


def partner_id(code: str) -> str:
    """The hub id of the partner with this code."""
    return str(uuid.uuid5(_NAMESPACE, f"partner:{code}"))


def record_id(entity: str, partner: str, external_id: str) -> str:
    """The hub id of a partner's record of one entity, from the partner's own id for it."""
    return str(uuid.uuid5(_NAMESPACE, f"{entity}:{partner}:{external_id}"))
