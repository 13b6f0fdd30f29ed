"""Stable hub ids: derived from what identifies a record at its source, so re-ingesting a record
never creates a second one, and related records can name each other before both have arrived."""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("6f1c9a52-3c1e-4f57-9d0b-2a8a3f0e7b11")
_NAMESPACE_BYTES = _NAMESPACE.bytes


def _uuid5(name: str) -> str:
    """`str(uuid.uuid5(_NAMESPACE, name))`, without building UUID objects: a sync derives one id
    per record, and `uuid.uuid5` costs several times more."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def partner_id(code: str) -> str:
    """The hub id of the partner with this code."""
    return _uuid5(f"partner:{code}")


def record_id(entity: str, partner: str, external_id: str) -> str:
    """The hub id of a partner's record of one entity, from the partner's own id for it."""
    return _uuid5(f"{entity}:{partner}:{external_id}")
