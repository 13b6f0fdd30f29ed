"""`participant_ref`, the hub's stand-in for a NIK, and the same under one key for many NIKs."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

__all__ = ["participant_ref", "ref_function"]

# RFC 2104's pads, as translation tables of the padded key (as the hmac module builds them).
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))
_BLOCK = hashlib.sha256().block_size


def participant_ref(nik: str, key: bytes) -> str:
    """The stand-in for a NIK that the hub stores: hex HMAC-SHA256 of the NIK under `key`.

    The same NIK and key always give the same ref, so records of one participant join without
    the NIK being kept. Pass a validated NIK (16 digits); the key must be at least 16 bytes,
    since the NIK space is small enough to enumerate and only the key protects it.
    """
    _check_key(key)
    return hmac.digest(key, nik.encode("ascii"), "sha256").hex()


def ref_function(key: bytes) -> Callable[[str], str]:
    """`participant_ref(nik, key)` as a function of `nik`, for a key that serves many NIKs.

    HMAC hashes the padded key before the message, in an inner and an outer hash (RFC 2104);
    those states are computed here once, where `hmac.digest` computes them for every NIK, which
    is most of its cost.
    """
    _check_key(key)
    block = (key if len(key) <= _BLOCK else hashlib.sha256(key).digest()).ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(block.translate(_INNER_PAD))
    outer = hashlib.sha256(block.translate(_OUTER_PAD))

    def ref(nik: str) -> str:
        # Copies only: the shared states are never updated, so threads may share them.
        message = inner.copy()
        message.update(nik.encode("ascii"))
        result = outer.copy()
        result.update(message.digest())
        return result.hexdigest()

    return ref


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError("the NIK key must be bytes, at least 16 of them")
