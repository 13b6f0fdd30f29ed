"""Turning raw records into stored ones: map, validate, serialize, hash, mask — in this process
for small batches, on worker processes for large ones.

Validation dominates a first sync's cost and Python runs it on one core at a time; a pool of
processes lets it use every core while the runner's own process fetches the next page and writes
the previous batch.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

import connectors
from hub.store import ids
from hub.store.records import NormalizedRecord, RejectedRecord, promoted_values
from hub.sync.hashing import canonical, content_hash, has_sixteen_digits, masked_raw
from schemas import Normalizer, RecordInvalid

Outcome = NormalizedRecord | RejectedRecord
#: A raw record to normalize, as its canonical JSON and its raw hash.
Item = tuple[bytes, str]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What it takes to normalize one stream's records, in a form a worker process can receive."""

    connector_type: str
    config: dict[str, Any]
    stream: str
    entity: str
    partner_id: str
    nik_key: bytes
    timezone: str

    def build(self) -> RecordNormalizer:
        """The stream's record normalizer, built in the calling process."""
        connector_type = connectors.get_connector_type(self.connector_type)
        config = connectors.load_config(connector_type, self.config)
        return RecordNormalizer(
            connector_type().mapper(config, self.stream),
            Normalizer(self.entity, nik_key=self.nik_key, timezone=self.timezone),
            self.entity,
            self.partner_id,
        )


class RecordNormalizer:
    """One stream's raw records in, valid records ready to store or refused ones out."""

    def __init__(
        self, mapper: connectors.Mapper, normalizer: Normalizer, entity: str, partner_id: str
    ) -> None:
        self.mapper = mapper
        self.normalizer = normalizer
        self.entity = entity
        self.partner_id = partner_id

    def __call__(self, raw: dict[str, Any], raw_json: bytes, raw_hash: str) -> Outcome:
        """The record normalized, or refused with per-field errors. Either way, the raw copy
        the hub keeps has NIK-shaped numbers masked."""
        kept, kept_json = raw, raw_json
        if has_sixteen_digits(raw_json):
            kept = masked_raw(raw)
            kept_json = canonical(kept)
        try:
            mapped = self.mapper(raw)
        except connectors.MappingError as error:
            return RejectedRecord(None, kept, error.errors)
        try:
            document = self.normalizer(mapped)
        except RecordInvalid as error:
            external_id = mapped.get("external_id")
            ext = external_id if isinstance(external_id, str) and external_id else None
            return RejectedRecord(ext, kept, error.errors)
        if self.entity == "certificate":
            document["course_id"] = ids.record_id(
                "course", self.partner_id, document["course_external_id"]
            )
        document_json = canonical(document)
        return NormalizedRecord(
            ids.record_id(self.entity, self.partner_id, document["external_id"]),
            document["external_id"],
            promoted_values(self.entity, document),
            document_json,
            kept_json,
            raw_hash,
            content_hash(document_json),
        )

    def many(self, items: Sequence[Item]) -> list[Outcome]:
        """Normalize records given as canonical JSON."""
        return [self(orjson.loads(raw_json), raw_json, raw_hash) for raw_json, raw_hash in items]


_worker: RecordNormalizer | None = None


def _start_worker(spec: StreamSpec) -> None:
    global _worker
    _worker = spec.build()


def _normalize_in_worker(items: Sequence[Item]) -> list[Outcome]:
    assert _worker is not None, "worker started without its stream"
    return _worker.many(items)


class NormalizerPool:
    """Worker processes normalizing one stream's batches; results come back in order.

    Workers are spawned, not forked: the runner's process holds database connections and
    threads that a fork would copy in an unknown state.
    """

    def __init__(self, spec: StreamSpec, workers: int) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(spec,),
        )

    def submit(self, items: Sequence[Item]) -> list[Future[list[Outcome]]]:
        """Start normalizing `items`, split evenly across the workers."""
        size = -(-len(items) // self.workers)
        return [
            self._executor.submit(_normalize_in_worker, items[start : start + size])
            for start in range(0, len(items), size)
        ]

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(cancel_futures=True)
