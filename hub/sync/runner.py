"""The sync runner: runs one stream of one connector into the store, batch by batch.

Records are committed first and the checkpoint with them, in one transaction per batch, so a run
killed at any moment resumes from its last committed checkpoint; re-read records are then found
unchanged by their raw hash, so nothing is duplicated.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import connectors
from hub import __version__
from hub.connections.services import ConnectorService
from hub.errors import Conflict, InvalidInput
from hub.settings import Settings
from hub.store.models import ConnectorInstance, Run, StreamState
from hub.store.records import NormalizedRecord, RecordStore, RejectedRecord, forget_sweep
from hub.store.types import utcnow
from hub.sync.collector import collector_paused, sweep_young
from hub.sync.hashing import RawHasher, canonical
from hub.sync.normalize import RecordNormalizer
from schemas import Normalizer

ProgressCallback = Callable[[Run], None]

#: A run whose heartbeat is older than this, on another machine, is taken for dead.
HEARTBEAT_LEASE = timedelta(minutes=5)


def worker_name() -> str:
    """Who runs a run: host and process, so a dead process on this host is found at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one run reads and from where."""

    state: Mapping[str, Any] | None
    sweep_id: str | None
    sweep_started_at: datetime | None
    # Whether the stream's state outlives a complete sweep (it holds an incremental cursor).
    keeps_state: bool


class SyncRunner:
    """Runs connector streams into the store and keeps each run's record."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.on_progress = on_progress

    def streams(self, connector_id: int) -> list[str]:
        """The names of the streams a connector offers."""
        with self.sessions() as session:
            instance = ConnectorService(session).get(connector_id)
            connector_type = connectors.get_connector_type(instance.type)
            config = connectors.load_config(connector_type, instance.config)
            return list(connector_type().streams(config))

    def run(
        self,
        connector_id: int,
        stream: str,
        *,
        trigger: str = "manual",
        full_refresh: bool = False,
    ) -> Run:
        """Run one stream to its end and return the finished run.

        The run ends `succeeded`, `partial` (some records were quarantined), `failed` (with a
        classified error; earlier data untouched) or `cancelled` (interrupted by the operator).
        Raises `Conflict` when the stream is already running elsewhere, `InvalidInput` for an
        unknown stream.
        """
        with self.sessions() as session:
            instance = ConnectorService(session).get(connector_id)
            connector_type = connectors.get_connector_type(instance.type)
            connector = connector_type()
            config = connectors.load_config(connector_type, instance.config)
            offered = connector.streams(config)
            if stream not in offered:
                message = f"unknown stream {stream!r}; this connector offers {', '.join(offered)}"
                raise InvalidInput(message, {"stream": [message]})
            run = self._start(session, instance, stream, trigger, full_refresh, offered[stream])
            plan = self._plan(session, run, full_refresh, offered[stream])
            session.commit()
            entity = offered[stream].entity
            batch = _Batch(
                session=session,
                settings=self.settings,
                instance=instance,
                run=run,
                normalize=RecordNormalizer(
                    connector.mapper(config, stream),
                    Normalizer(entity, nik_key=self.settings.nik_key, timezone=instance.timezone),
                    entity,
                    instance.partner_id,
                ),
                fingerprint=canonical([instance.type, instance.config, stream, instance.timezone]),
                sweep_id=plan.sweep_id,
            )
            try:
                with collector_paused():
                    self._read(connector.read(config, stream, plan.state), batch)
                self._complete(session, run, plan, batch)
            except connectors.ConnectorError as error:
                session.rollback()
                self._finish(session, run, "failed", error.code, str(error))
            except KeyboardInterrupt:
                session.rollback()
                self._finish(session, run, "cancelled", "cancelled", "interrupted by the operator")
                raise
            except Exception as error:
                session.rollback()
                message = f"{type(error).__name__}: {error}"
                self._finish(session, run, "failed", "internal", message)
                raise
            return run

    def _start(
        self,
        session: Session,
        instance: ConnectorInstance,
        stream: str,
        trigger: str,
        full_refresh: bool,
        offered: connectors.Stream,
    ) -> Run:
        incremental = not full_refresh and "incremental" in offered.sync_modes
        mode = "incremental" if incremental else "full_refresh"
        run = _new_run(instance.id, stream, trigger, mode)
        session.add(run)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            if not self._reap(session, instance.id, stream):
                raise Conflict(
                    f"connector {instance.id} stream {stream!r} is running already"
                ) from None
            run = _new_run(instance.id, stream, trigger, mode)
            session.add(run)
            session.flush()
        return run

    def _reap(self, session: Session, connector_id: int, stream: str) -> bool:
        """Mark failed an unfinished run of this stream whose process is gone; True if any."""
        stale = session.scalar(
            select(Run).where(
                Run.connector_id == connector_id,
                Run.stream == stream,
                Run.status.in_(("queued", "running")),
            )
        )
        if stale is None or _alive(stale):
            return False
        self._finish(
            session, stale, "failed", "abandoned", f"worker {stale.worker} stopped mid-run"
        )
        return True

    def _plan(
        self, session: Session, run: Run, full_refresh: bool, offered: connectors.Stream
    ) -> _Plan:
        state_row = session.get(StreamState, (run.connector_id, run.stream))
        if state_row is None:
            state_row = StreamState(connector_id=run.connector_id, stream=run.stream)
            session.add(state_row)
        keeps_state = "incremental" in offered.sync_modes
        if state_row.sweep_id and full_refresh:
            forget_sweep(session, state_row.sweep_id)
            state_row.sweep_id = None
        if state_row.sweep_id:
            # A sweep that was cut short goes on where it stopped, whatever this run asked.
            run.mode = "full_refresh"
            return _Plan(
                state_row.state, state_row.sweep_id, state_row.sweep_started_at, keeps_state
            )
        if run.mode == "incremental":
            return _Plan(state_row.state, None, None, keeps_state)
        state_row.sweep_id = str(uuid.uuid4())
        state_row.sweep_started_at = state_row.updated_at = utcnow()
        if not keeps_state or full_refresh:
            state_row.state = None
        return _Plan(None, state_row.sweep_id, state_row.sweep_started_at, keeps_state)

    def _read(self, items: Iterator[Any], batch: _Batch) -> None:
        size = self.settings.batch_size
        for item in items:
            if isinstance(item, connectors.Checkpoint):
                batch.state = item.state
                batch.prepare()
                if batch.size >= size:
                    self._write(batch)
            else:
                batch.records.append(item)
                # A long page without checkpoints still commits, under the last checkpoint.
                if batch.size >= 2 * size:
                    self._write(batch)
        self._write(batch)

    def _write(self, batch: _Batch) -> None:
        batch.write()
        batch.session.commit()
        sweep_young()
        if self.on_progress is not None:
            self.on_progress(batch.run)

    def _complete(self, session: Session, run: Run, plan: _Plan, batch: _Batch) -> None:
        state_row = session.get(StreamState, (run.connector_id, run.stream))
        assert state_row is not None
        if plan.sweep_id is not None:
            assert plan.sweep_started_at is not None
            run.deleted += batch.store.delete_unseen(plan.sweep_id, plan.sweep_started_at, run.id)
            forget_sweep(session, plan.sweep_id)
            state_row.sweep_id = None
            if not plan.keeps_state:
                state_row.state = None
        batch.store.refresh_statistics(run.created + run.updated + run.deleted)
        status = "partial" if run.rejected else "succeeded"
        self._finish(session, run, status, None, None)

    def _finish(
        self, session: Session, run: Run, status: str, code: str | None, message: str | None
    ) -> None:
        run.status = status
        run.error_code = code
        run.error_message = message
        run.finished_at = utcnow()
        session.commit()


def _new_run(connector_id: int, stream: str, trigger: str, mode: str) -> Run:
    now = utcnow()
    return Run(
        connector_id=connector_id,
        stream=stream,
        trigger=trigger,
        mode=mode,
        status="running",
        created_at=now,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name(),
    )


def _alive(run: Run) -> bool:
    host, _, pid = (run.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return run.heartbeat_at is not None and utcnow() - run.heartbeat_at < HEARTBEAT_LEASE


class _Batch:
    """The records read since the last commit, and how to turn them into stored ones."""

    def __init__(
        self,
        *,
        session: Session,
        settings: Settings,
        instance: ConnectorInstance,
        run: Run,
        normalize: RecordNormalizer,
        fingerprint: bytes,
        sweep_id: str | None,
    ) -> None:
        self.session = session
        self.run = run
        self.normalize = normalize
        self.sweep_id = sweep_id
        # Read and not yet prepared; prepared (valid, rejected, external ids found unchanged).
        self.records: list[dict[str, Any]] = []
        self.prepared = 0
        self.valid: list[NormalizedRecord] = []
        self.rejected: list[RejectedRecord] = []
        self.unchanged: list[str] = []
        self.state: Mapping[str, Any] | None = None
        self.store = RecordStore(session, normalize.entity, instance.partner_id, instance.id)
        self.hash_raw = RawHasher(settings.subkey("raw-hash"), fingerprint + __version__.encode())

    @property
    def size(self) -> int:
        """The records read since the last commit."""
        return self.prepared + len(self.records)

    def prepare(self) -> None:
        """Turn the records read since the last call into what `write` stores: a page at a
        time, so that a batch holds its records' compact stored form, not their raw trees.
        Records stored unchanged (same raw hash) are neither mapped nor validated."""
        raws, self.records = self.records, []
        encoded = [canonical(raw) for raw in raws]
        hashes = [self.hash_raw(raw_json) for raw_json in encoded]
        known = self.store.unchanged_by_hash(hashes)
        self.unchanged.extend(known[h] for h in hashes if h in known)
        for raw, raw_json, raw_hash in zip(raws, encoded, hashes, strict=True):
            if raw_hash not in known:
                outcome = self.normalize(raw, raw_json, raw_hash)
                if isinstance(outcome, NormalizedRecord):
                    self.valid.append(outcome)
                else:
                    self.rejected.append(outcome)
        self.prepared += len(raws)

    def write(self) -> None:
        """Store the records read since the last commit and the checkpoint that covers them,
        in the session's transaction."""
        self.prepare()
        valid, rejected, unchanged = self.valid, self.rejected, self.unchanged
        read = self.prepared
        self.valid, self.rejected, self.unchanged, self.prepared = [], [], [], 0
        result = self.store.upsert(valid, self.run.id)
        self.store.quarantine(rejected, self.run.id)
        if self.sweep_id is not None:
            seen = unchanged + result.existing_ids
            seen.extend(o.external_id for o in rejected if o.external_id is not None)
            self.store.mark_seen(self.sweep_id, seen)
        run = self.run
        run.records_read += read
        run.created += result.created
        run.updated += result.updated
        run.unchanged += result.unchanged + len(unchanged)
        run.rejected += len(rejected)
        run.heartbeat_at = utcnow()
        if self.state is not None:
            run.state = dict(self.state)
            state_row = self.session.get(StreamState, (run.connector_id, run.stream))
            assert state_row is not None
            state_row.state = dict(self.state)
            state_row.updated_at = run.heartbeat_at
