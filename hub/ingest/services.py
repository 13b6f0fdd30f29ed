"""Push ingestion: a partner's batch of common-schema records, stored like a sync's.

Each push is a run of the partner's `push` connector (made on its first push) with trigger
`push`, so pushes show among the runs, their changes and quarantined records name it, and a
push is answered and replayed under its `Idempotency-Key`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.push import PUSH_STREAMS
from hub import __version__
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.errors import Conflict, InvalidInput, NotFound
from hub.settings import Settings
from hub.store.models import ConnectorInstance, IdempotentRequest, Run
from hub.store.records import NormalizedRecord, RecordStore, RejectedRecord
from hub.store.types import utcnow
from hub.sync.hashing import RawHasher, canonical, has_nul
from hub.sync.normalize import RecordNormalizer
from schemas import Normalizer

#: The most records one push may carry.
MAX_RECORDS = 1000
#: The longest `Idempotency-Key` kept.
MAX_KEY_LENGTH = 255
KEY_HEADER = "Idempotency-Key"


class IngestService:
    """Stores pushed records for one partner. The caller owns the transaction: commit after
    `push` returns."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    def push(
        self, partner_id: str, stream: str, records: Sequence[Mapping[str, Any]], key: str
    ) -> dict[str, Any]:
        """Validate and store `records` of `stream` (`courses`, `certificates`, `payments`).

        Valid records are stored even when others are refused; refused ones are quarantined
        and listed with their index and per-field errors. The answer is kept under `key`: the
        same key with the same records answers the same again and stores nothing; with other
        records it raises `InvalidInput` naming the key.
        """
        if stream not in PUSH_STREAMS:
            raise NotFound(f"stream: records are pushed to {', '.join(PUSH_STREAMS)}")
        _check_key(key)
        if len(records) > MAX_RECORDS:
            message = f"Longer than maximum length {MAX_RECORDS}."
            raise InvalidInput(f"records: {message}", {"records": [message]})
        encoded = _encoded(records)
        request_hash = hashlib.sha256(stream.encode() + b"".join(encoded)).hexdigest()
        prior = self.session.get(IdempotentRequest, (partner_id, key))
        if prior is not None:
            return _replay(prior, request_hash)
        try:
            with self.session.begin_nested():
                return self._store(partner_id, stream, records, encoded, key, request_hash)
        except IntegrityError:
            # A push with this key, or writing these records, committed while this one ran.
            prior = self.session.get(IdempotentRequest, (partner_id, key), populate_existing=True)
            if prior is None:
                raise Conflict(
                    "records: a concurrent push stored some of the same records; send again"
                ) from None
            return _replay(prior, request_hash)

    def _store(
        self,
        partner_id: str,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        encoded: Sequence[bytes],
        key: str,
        request_hash: str,
    ) -> dict[str, Any]:
        connector = self._push_connector(partner_id)
        entity = PUSH_STREAMS[stream]
        now = utcnow()
        # Finished from the start: a push's run is never seen running (it commits whole).
        run = Run(
            connector_id=connector.id, stream=stream, trigger="push", mode="incremental",
            status="succeeded", created_at=now, started_at=now, heartbeat_at=now,
            records_read=len(records),
        )  # fmt: skip
        self.session.add(run)
        self.session.flush()

        store = RecordStore(self.session, entity, partner_id, connector.id)
        fingerprint = canonical([connector.type, connector.config, stream, connector.timezone])
        hash_raw = RawHasher(self.settings.subkey("raw-hash"), fingerprint + __version__.encode())
        normalize = RecordNormalizer(
            dict,
            Normalizer(entity, nik_key=self.settings.nik_key, timezone=connector.timezone),
            entity,
            partner_id,
        )
        hashes = [hash_raw(raw_json) for raw_json in encoded]
        known = store.unchanged_by_hash(hashes)
        valid: list[NormalizedRecord] = []
        rejected: list[tuple[int, RejectedRecord]] = []
        for index, (raw, raw_json, raw_hash) in enumerate(
            zip(records, encoded, hashes, strict=True)
        ):
            if raw_hash in known:
                continue
            outcome = normalize(dict(raw), raw_json, raw_hash)
            if isinstance(outcome, NormalizedRecord):
                valid.append(outcome)
            else:
                rejected.append((index, outcome))
        result = store.upsert(valid, run.id)
        store.quarantine([r for _, r in rejected], run.id)

        run.created, run.updated = result.created, result.updated
        run.unchanged = result.unchanged + sum(1 for h in hashes if h in known)
        run.rejected = len(rejected)
        run.status = "partial" if rejected else "succeeded"
        run.finished_at = utcnow()
        answer = {
            "accepted": len(records) - len(rejected),
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": [
                {"index": index, "external_id": r.external_id, "errors": r.errors}
                for index, r in rejected
            ],
        }
        self.session.add(
            IdempotentRequest(
                partner_id=partner_id, key=key, request_hash=request_hash, response=answer,
                run_id=run.id, created_at=now,
            )
        )  # fmt: skip
        self.session.flush()
        return answer

    def _push_connector(self, partner_id: str) -> ConnectorInstance:
        """The partner's push connector, made on its first push."""
        query = (
            select(ConnectorInstance)
            .where(ConnectorInstance.partner_id == partner_id, ConnectorInstance.type == "push")
            .order_by(ConnectorInstance.id)
            .limit(1)
        )
        instance = self.session.scalar(query)
        if instance is not None:
            return instance
        try:
            with self.session.begin_nested():
                return ConnectorService(self.session).add(
                    partner_id, "push", {}, sealer=ConfigSealer(self.settings), name="push"
                )
        except IntegrityError:  # the partner's first two pushes raced: use the one made
            instance = self.session.scalar(query)
            assert instance is not None
            return instance


def _encoded(records: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Each record's canonical JSON; `InvalidInput` naming each record that no backend could
    store: a number beyond 64-bit integers, text that is not Unicode, or a NUL character
    (PostgreSQL's JSON refuses it)."""
    encoded: list[bytes] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(records):
        try:
            encoded.append(canonical(raw))
        except TypeError as error:
            errors[f"records.{index}"] = [f"Cannot be stored: {error}."]
            continue
        if has_nul(encoded[-1]):
            errors[f"records.{index}"] = ["Cannot be stored: holds a NUL character (\\u0000)."]
    if errors:
        raise InvalidInput(f"records: {len(errors)} cannot be stored", errors)
    return encoded


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        message = f"Must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
        raise InvalidInput(f"{KEY_HEADER}: {message}", {KEY_HEADER: [message]})


def _replay(prior: IdempotentRequest, request_hash: str) -> dict[str, Any]:
    if prior.request_hash != request_hash:
        message = "Already used for a different request; use a new key for new records."
        raise InvalidInput(f"{KEY_HEADER}: {message}", {KEY_HEADER: [message]})
    return dict(prior.response)
