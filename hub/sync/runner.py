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

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import connectors
from hub import __version__
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.errors import Conflict, InvalidInput
from hub.settings import Settings
from hub.store.models import ConnectorInstance, Run, StreamState
from hub.store.records import NormalizedRecord, RecordStore, RejectedRecord, forget_sweep
from hub.store.types import utcnow
from hub.sync.collector import collector_paused, sweep_young
from hub.sync.hashing import RawHasher, canonical
from hub.sync.normalize import RecordNormalizer
from hub.sync.notices import NoticeCounts, NoticeLog, count_notice
from hub.sync.writer import BatchWriter
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
            return list(connector_type().streams(ConfigSealer(self.settings).config(instance)))

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
        Raises `Conflict` when the stream is already running elsewhere or the connector is
        paused, `InvalidInput` for an unknown stream.
        """
        with self.sessions.begin() as session:
            queued = self.enqueue(
                session, connector_id, stream, trigger=trigger, full_refresh=full_refresh
            )
        return self.execute(queued.id)

    def enqueue(
        self,
        session: Session,
        connector_id: int,
        stream: str,
        *,
        trigger: str,
        full_refresh: bool = False,
        shared: bool = False,
    ) -> Run:
        """Add a `queued` run of one stream in the caller's transaction and return it.

        This process is to execute it, unless `shared`: then it waits, owned by no process, for
        whichever worker claims it. An unfinished run of the stream whose process is gone is
        marked failed first. Raises `Conflict` when the stream has a live unfinished run or the
        connector is paused, `InvalidInput` for an unknown stream.
        """
        instance = ConnectorService(session).get(connector_id)
        if instance.status == "paused":
            raise Conflict(f"connector {connector_id} is paused: resume it to run it")
        connector_type = connectors.get_connector_type(instance.type)
        offered = connector_type().streams(ConfigSealer(self.settings).config(instance))
        if stream not in offered:
            message = f"unknown stream {stream!r}; this connector offers {', '.join(offered)}"
            raise InvalidInput(message, {"stream": [message]})
        running = f"connector {connector_id} stream {stream!r} is running already"
        if not self._reap(session, connector_id, stream):
            raise Conflict(running)
        incremental = not full_refresh and "incremental" in offered[stream].sync_modes
        now = utcnow()
        run = Run(
            connector_id=connector_id,
            stream=stream,
            trigger=trigger,
            mode="incremental" if incremental else "full_refresh",
            full_refresh=full_refresh,
            status="queued",
            created_at=now,
            heartbeat_at=now,
            worker=None if shared else worker_name(),
        )
        session.add(run)
        try:
            session.flush()
        except IntegrityError:  # another process queued it between our check and our insert
            raise Conflict(running) from None
        return run

    def execute(self, run_id: int) -> Run:
        """Execute a queued run to its end and return it finished (statuses as `run` says).

        Raises `Conflict` when the run is no longer queued (another worker claimed it).
        """
        with self.sessions() as session:
            claimed = session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(
                    status="running",
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                    worker=worker_name(),
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise Conflict(f"run {run_id} is not queued")
            run = session.get_one(Run, run_id, populate_existing=True)
            instance = session.get_one(ConnectorInstance, run.connector_id)
            try:
                self._execute(session, instance, run)
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

    def _execute(self, session: Session, instance: ConnectorInstance, run: Run) -> None:
        connector = connectors.get_connector_type(instance.type)()
        config = ConfigSealer(self.settings).config(instance)
        offered = connector.streams(config)
        if run.stream not in offered:
            raise connectors.ConfigError(f"stream {run.stream!r} is no longer offered")
        plan = self._plan(session, run, run.full_refresh, offered[run.stream])
        session.commit()
        entity = offered[run.stream].entity
        partner_id = instance.partner_id
        store = RecordStore(session, entity, partner_id, instance.id)
        sink = _Sink(session, run, store, plan.sweep_id, self._written)
        normalize = RecordNormalizer(
            connector.mapper(config, run.stream),
            Normalizer(entity, nik_key=self.settings.nik_key, timezone=instance.timezone),
            entity,
            partner_id,
        )
        fingerprint = canonical([instance.type, instance.config, run.stream, instance.timezone])
        hash_raw = RawHasher(self.settings.subkey("raw-hash"), fingerprint + __version__.encode())
        # The reading thread looks up raw hashes on a connection of its own: the run's session
        # belongs to the writer thread until the last batch is written. In autocommit, so that
        # no read transaction stays open (it would hide the writer's later commits and, on
        # SQLite, keep the write-ahead log from being checkpointed) and a lookup is one round
        # trip to PostgreSQL, not three.
        with self.sessions() as lookups, collector_paused(), BatchWriter(sink.write) as writer:
            lookups.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            reader = _Reader(
                RecordStore(lookups, entity, partner_id, instance.id), normalize, hash_raw
            )
            self._read(connector.read(config, run.stream, plan.state), reader, writer)
        self._complete(session, run, plan, store)

    def _reap(self, session: Session, connector_id: int, stream: str) -> bool:
        """Mark failed an unfinished run of this stream whose process is gone; False when a
        live one holds the stream."""
        stale = session.scalar(
            select(Run).where(
                Run.connector_id == connector_id,
                Run.stream == stream,
                Run.status.in_(("queued", "running")),
            )
        )
        if stale is None:
            return True
        if alive(stale):
            return False
        abandon(session, stale)
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

    def _read(self, items: Iterator[Any], reader: _Reader, writer: BatchWriter[_Prepared]) -> None:
        size = self.settings.batch_size
        for item in items:
            # This loop runs once a record: records are told by the cheapest test first.
            if isinstance(item, dict) or not isinstance(
                item, connectors.Checkpoint | connectors.Notice | connectors.EncodedRecords
            ):
                reader.records.append(item)
            elif isinstance(item, connectors.EncodedRecords):
                reader.add(item)
            elif isinstance(item, connectors.Checkpoint):
                reader.state = item.state
                reader.prepare()
                if reader.size >= size:
                    writer.submit(reader.take())
                continue
            else:
                count_notice(reader.notices, item)
                continue
            # A long page without checkpoints still commits, under the last checkpoint.
            if reader.size >= 2 * size:
                writer.submit(reader.take())
        writer.submit(reader.take())

    def _written(self, run: Run) -> None:
        sweep_young()
        if self.on_progress is not None:
            self.on_progress(run)

    def _complete(self, session: Session, run: Run, plan: _Plan, store: RecordStore) -> None:
        state_row = session.get(StreamState, (run.connector_id, run.stream))
        assert state_row is not None
        if plan.sweep_id is not None:
            assert plan.sweep_started_at is not None
            run.deleted += store.delete_unseen(plan.sweep_id, plan.sweep_started_at, run.id)
            forget_sweep(session, plan.sweep_id)
            state_row.sweep_id = None
            if not plan.keeps_state:
                state_row.state = None
        store.refresh_statistics(run.created + run.updated + run.deleted)
        status = "partial" if run.rejected else "succeeded"
        self._finish(session, run, status, None, None)

    def _finish(
        self, session: Session, run: Run, status: str, code: str | None, message: str | None
    ) -> None:
        _mark(run, status, code, message)
        session.commit()


def _mark(run: Run, status: str, code: str | None, message: str | None) -> None:
    run.status = status
    run.error_code = code
    run.error_message = message
    run.finished_at = utcnow()


def abandon(session: Session, run: Run) -> bool:
    """Mark failed, in the caller's transaction, an unfinished run whose process is gone; False
    when it has finished (or been marked by another process) meanwhile."""
    marked = session.execute(
        update(Run)
        .where(Run.id == run.id, Run.status.in_(("queued", "running")))
        .values(
            status="failed",
            error_code="abandoned",
            error_message=f"worker {run.worker} stopped mid-run",
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    )
    return bool(marked.rowcount == 1)  # type: ignore[attr-defined]


def alive(run: Run) -> bool:
    """Whether the process that holds an unfinished run is still there: a process on this host
    is asked directly; one elsewhere counts as alive while its heartbeat is recent."""
    if run.status == "queued" and run.worker is None:
        return True  # waiting in the shared queue, not held by any process
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


@dataclass(slots=True)
class _Prepared:
    """A batch ready to store: what was read since the last one, sorted by outcome, and the
    checkpoint and notices that commit with it."""

    read: int
    valid: list[NormalizedRecord]
    rejected: list[RejectedRecord]
    unchanged: list[str]
    state: Mapping[str, Any] | None
    notices: NoticeCounts


class _Decoded:
    """Records read as dicts, in the shape of `EncodedRecords`: their canonical JSON as texts."""

    __slots__ = ("records", "texts")

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.texts = [canonical(raw) for raw in records]

    def decode(self, index: int) -> dict[str, Any]:
        return self.records[index]


class _Reader:
    """The reading thread's side of a run: the records read since the last batch, and how to
    turn them into what the writer stores."""

    def __init__(
        self,
        known: RecordStore,
        normalize: RecordNormalizer,
        hash_raw: RawHasher,
    ) -> None:
        self.known = known
        self.normalize = normalize
        self.hash_raw = hash_raw
        # Read and not yet prepared: records read as dicts, and pages before them.
        self.records: list[dict[str, Any]] = []
        self.pages: list[connectors.EncodedRecords | _Decoded] = []
        self.waiting = 0
        self.notices: NoticeCounts = {}
        self.state: Mapping[str, Any] | None = None
        self._clear()

    def _clear(self) -> None:
        self.prepared = 0
        self.valid: list[NormalizedRecord] = []
        self.rejected: list[RejectedRecord] = []
        self.unchanged: list[str] = []

    @property
    def size(self) -> int:
        """The records read since the last batch."""
        return self.prepared + self.waiting + len(self.records)

    def add(self, page: connectors.EncodedRecords) -> None:
        """Take a page of records read as texts, after the records read before it."""
        self._page_records()
        self.pages.append(page)
        self.waiting += len(page)

    def _page_records(self) -> None:
        if self.records:
            self.pages.append(_Decoded(self.records))
            self.waiting += len(self.records)
            self.records = []

    def prepare(self) -> None:
        """Turn the records read since the last call into what the writer stores: a page at a
        time, so that a batch holds its records' compact stored form, not their raw trees.
        Records stored unchanged (same raw hash) are neither decoded, mapped nor validated."""
        self._page_records()
        pages, self.pages, self.waiting = self.pages, [], 0
        for page in pages:
            texts = page.texts
            hashes = list(map(self.hash_raw, texts))
            known = self.known.unchanged_by_hash(hashes)
            self.unchanged.extend(known[h] for h in hashes if h in known)
            for index, raw_hash in enumerate(hashes):
                if raw_hash not in known:
                    raw = page.decode(index)
                    outcome = self.normalize(raw, bytes(texts[index]), raw_hash)
                    if isinstance(outcome, NormalizedRecord):
                        self.valid.append(outcome)
                    else:
                        self.rejected.append(outcome)
            self.prepared += len(texts)

    def take(self) -> _Prepared:
        """The batch read since the last one, prepared; the reader starts a new one."""
        self.prepare()
        batch = _Prepared(
            self.prepared, self.valid, self.rejected, self.unchanged, self.state, self.notices
        )
        self.notices = {}
        self._clear()
        return batch


class _Sink:
    """The writer thread's side of a run: stores each batch with its checkpoint, one
    transaction per batch, in the run's session."""

    def __init__(
        self,
        session: Session,
        run: Run,
        store: RecordStore,
        sweep_id: str | None,
        written: Callable[[Run], None],
    ) -> None:
        self.session = session
        self.run = run
        self.store = store
        self.sweep_id = sweep_id
        self.notices = NoticeLog(session, run)
        self.written = written

    def write(self, batch: _Prepared) -> None:
        """Store `batch` and the checkpoint that covers it, and commit."""
        result = self.store.upsert(batch.valid, self.run.id)
        self.store.quarantine(batch.rejected, self.run.id)
        if self.sweep_id is not None:
            seen = batch.unchanged + result.existing_ids
            seen.extend(o.external_id for o in batch.rejected if o.external_id is not None)
            self.store.mark_seen(self.sweep_id, seen)
        run = self.run
        run.records_read += batch.read
        run.created += result.created
        run.updated += result.updated
        run.unchanged += result.unchanged + len(batch.unchanged)
        run.rejected += len(batch.rejected)
        run.heartbeat_at = utcnow()
        self.notices.add(batch.notices)
        if batch.state is not None:
            run.state = dict(batch.state)
            state_row = self.session.get(StreamState, (run.connector_id, run.stream))
            assert state_row is not None
            state_row.state = dict(batch.state)
            state_row.updated_at = run.heartbeat_at
        self.session.commit()
        self.written(run)
