"""The hub's tables. Invariants live here as constraints, so that no code path can break them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.store.types import BigKey, Document, UTCDateTime, VerbatimDocument, utcnow

PARTNER_KINDS = ("training_provider", "platform", "payment_partner")
RUN_STATUSES = ("queued", "running", "succeeded", "partial", "failed", "cancelled")
RUN_TRIGGERS = ("manual", "schedule", "api", "retry", "push")
SYNC_MODES = ("full_refresh", "incremental")
ENTITIES = ("course", "certificate", "payment")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same on
    every backend."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Document}


class Partner(Base):
    """A training provider, platform or payment partner: the tenant every record belongs to."""

    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint(_in("kind", PARTNER_KINDS), name="kind"),
        CheckConstraint(_in("status", ("active", "suspended")), name="status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    contact: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthClient(Base):
    """An OAuth 2.0 client (client credentials). It acts for one partner, or for none (admin).
    Only a keyed hash of its secret is kept."""

    __tablename__ = "oauth_clients"

    __table_args__ = (
        # A client proves itself by exactly one kind of credential: a secret (client_secret_basic
        # or client_secret_post) or a key pair whose public half is registered (private_key_jwt).
        CheckConstraint("(secret_hash IS NULL) <> (jwks IS NULL)", name="one_credential"),
    )

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str | None] = mapped_column(String(128))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), index=True)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    #: The client's public JSON Web Key Set, for private_key_jwt (RFC 7523). None is SQL NULL
    #: (not JSON null), so that the credential constraint sees it.
    jwks: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
    )


class ConnectorInstance(Base):
    """A partner's configured connector: a connector type plus its validated config."""

    __tablename__ = "connectors"
    __table_args__ = (
        UniqueConstraint("partner_id", "name"),
        CheckConstraint(_in("status", ("active", "paused")), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict[str, Any]]
    timezone: Mapped[str] = mapped_column(String(32), default="Asia/Jakarta")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StreamState(Base):
    """Where a connector's stream stands: the last committed checkpoint, and the full-refresh
    sweep in progress (so that a killed sweep resumes, and deletions wait for a complete one)."""

    __tablename__ = "stream_states"

    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[dict[str, Any] | None]
    sweep_id: Mapped[str | None] = mapped_column(String(36))
    sweep_started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One execution of one stream of one connector, with its counters and outcome."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint(_in("trigger", RUN_TRIGGERS), name="trigger"),
        CheckConstraint(_in("mode", SYNC_MODES), name="mode"),
        Index(None, "connector_id", "stream", "status"),
        Index(None, "status", "created_at"),
        # At most one unfinished run per connector stream, whichever process or machine asks.
        Index(
            "uq_runs_active_stream",
            "connector_id",
            "stream",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"))
    stream: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(200))
    records_read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    state: Mapped[dict[str, Any] | None]
    # Whether the run was asked to read everything again (a queued run keeps the request).
    full_refresh: Mapped[bool] = mapped_column(default=False, server_default=false())


class EntityRecord(Base):
    """Columns every common-schema entity shares: identity, revision, the normalized document and
    the raw source record beside it."""

    __abstract__ = True

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    connector_id: Mapped[int | None] = mapped_column(ForeignKey("connectors.id"))
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # Written whole by the sync, read whole by the catalog (see `VerbatimDocument`).
    data: Mapped[dict[str, Any]] = mapped_column(VerbatimDocument)
    raw: Mapped[dict[str, Any]] = mapped_column(VerbatimDocument)
    # Keyed hash of (mapping fingerprint, raw record): equal means "nothing to do" on a re-sync.
    raw_hash: Mapped[str] = mapped_column(String(32))
    # Hash of the normalized document: equal means "no real change", so no new revision.
    content_hash: Mapped[str] = mapped_column(String(32))


def _entity_table_args(*specific: Any) -> tuple[Any, ...]:
    return (
        UniqueConstraint("partner_id", "external_id"),
        # The re-sync's lookup by raw hash (equality only; the partner is checked on the row: a
        # keyed hash of a connector's raw record is its partner's alone). PostgreSQL's hash
        # index keeps 4 bytes a row where a B-tree keeps the whole key: ~2 µs less server time
        # per stored record; on SQLite, the hash alone as key is ~1 µs cheaper than with the
        # partner's id before it.
        Index(None, "raw_hash", postgresql_using="hash"),
        Index(None, "connector_id", "deleted_at"),
        Index(None, "updated_at"),
        CheckConstraint("revision >= 1", name="revision"),
        *specific,
    )


class Course(EntityRecord):
    """A course in a provider's catalog (common schema v1)."""

    __tablename__ = "courses"
    __table_args__ = _entity_table_args(
        CheckConstraint(_in("status", ("active", "inactive")), name="status"),
        CheckConstraint("price_idr >= 0", name="price_idr"),
    )

    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    price_idr: Mapped[int] = mapped_column(BigInteger)


class Certificate(EntityRecord):
    """A completion certificate (common schema v1). The participant is kept only as a keyed
    hash of the NIK."""

    __tablename__ = "certificates"
    __table_args__ = _entity_table_args(
        CheckConstraint(_in("status", ("issued", "revoked")), name="status"),
    )

    course_id: Mapped[str] = mapped_column(String(36), index=True)
    certificate_number: Mapped[str] = mapped_column(String(128))
    participant_ref: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))


class Payment(EntityRecord):
    """A payment transaction: purchase, disbursement, refund or reversal (common schema v1)."""

    __tablename__ = "payments"
    __table_args__ = _entity_table_args(
        CheckConstraint(
            _in("type", ("purchase", "disbursement", "refund", "reversal")), name="type"
        ),
        CheckConstraint(
            _in("status", ("pending", "succeeded", "failed", "reversed")), name="status"
        ),
        CheckConstraint("amount_idr >= 0", name="amount_idr"),
    )

    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    amount_idr: Mapped[int] = mapped_column(BigInteger)
    transaction_code: Mapped[str | None] = mapped_column(String(64), index=True)
    participant_ref: Mapped[str] = mapped_column(String(64), index=True)


ENTITY_MODELS: dict[str, type[EntityRecord]] = {
    "course": Course,
    "certificate": Certificate,
    "payment": Payment,
}


class Change(Base):
    """The append-only change log: one row per real upsert or delete, `seq` strictly increasing.
    The change feed reads it."""

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint(_in("op", ("upsert", "delete")), name="op"),
        CheckConstraint(_in("entity", ENTITIES), name="entity"),
        Index(None, "partner_id", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))
    revision: Mapped[int]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rejection(Base):
    """A quarantined record: what the source sent (NIKs redacted), the run that met it, and why
    it was refused, field by field. Re-processed by the next sync that reads it again."""

    __tablename__ = "rejections"
    __table_args__ = (
        CheckConstraint(_in("entity", ENTITIES), name="entity"),
        # Open rejections only: what a sync resolves, and asks first whether there are any.
        Index(
            None,
            "partner_id",
            "entity",
            "external_id",
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    entity: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(128))
    raw: Mapped[dict[str, Any]]
    errors: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class SweepSeen(Base):
    """External ids seen by a full-refresh sweep in progress, a batch's worth to a row: what the
    source no longer has is what a complete sweep did not see. Kept in the database so a
    resumed sweep still knows.

    One row a batch, not one an id: an unchanged re-sync marks every record it reads, and a row
    and an index entry each cost PostgreSQL ~5 µs a record to write, delete and join again."""

    __tablename__ = "sweep_seen"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(String(36), index=True)
    # A JSON array of external ids (text: written once, read only by the sweep's end).
    external_ids: Mapped[str] = mapped_column(Text)


# -- declarative connectors: what a run noticed besides records --------------------------------


class RunNotice(Base):
    """Something a run noticed besides its records, added up: records skipped by a rule
    (`skipped`), a source whose shape changed (`schema_drift`: a mapped field vanished), or
    lone surrogates read as U+FFFD (`repaired_text`)."""

    __tablename__ = "run_notices"
    __table_args__ = (UniqueConstraint("run_id", "code", "message"),)

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(1000))
    count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Scheduling, dispatch and monitoring --------------------------------------------------------

CONNECTOR_EVENTS = ("scheduled", "paused", "resumed")

# The runs list filters by connector or status and pages by id, newest first.
Index(None, Run.connector_id, Run.id)
Index(None, Run.status, Run.id)
# The scheduler's poll looks at the runs finished lately for retries and pauses.
Index(None, Run.finished_at)


class ConnectorSchedule(Base):
    """When a connector syncs on its own: every `interval_seconds`, or on a `cron` expression,
    each slot shifted by a fixed offset within `jitter_seconds` so partners do not all start on
    the same second. The scheduler reloads a schedule when `updated_at` moves."""

    __tablename__ = "connector_schedules"
    __table_args__ = (
        CheckConstraint("(interval_seconds IS NULL) <> (cron IS NULL)", name="one_kind"),
        CheckConstraint("interval_seconds > 0", name="interval_seconds"),
        CheckConstraint("jitter_seconds >= 0", name="jitter_seconds"),
    )

    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"), primary_key=True)
    interval_seconds: Mapped[int | None]
    cron: Mapped[str | None] = mapped_column(String(120))
    jitter_seconds: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ScheduleSlot(Base):
    """One due time of one connector stream, claimed by the scheduler that runs it. Unique, so
    that schedulers racing on the same database run each due slot exactly once."""

    __tablename__ = "schedule_slots"
    __table_args__ = (
        UniqueConstraint("connector_id", "stream", "due_at"),
        CheckConstraint(_in("kind", ("schedule", "retry")), name="kind"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"))
    stream: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    # Why no run was started for the slot (the stream was still running, the connector paused).
    skipped: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(200))


class ConnectorEvent(Base):
    """What happened to a connector's operation: scheduled, paused (by whom or why), resumed."""

    __tablename__ = "connector_events"
    __table_args__ = (
        CheckConstraint(_in("event", CONNECTOR_EVENTS), name="event"),
        Index(None, "connector_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"))
    event: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RunLog(Base):
    """A log line written while a run executed, kept with the run for its detail page."""

    __tablename__ = "run_logs"
    __table_args__ = (Index(None, "run_id", "id"),)

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(10))
    logger: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)


# --- API: push ingestion -------------------------------------------------------------------------


class IdempotentRequest(Base):
    """A push answered under an `Idempotency-Key`: the same key with the same body replays
    `response`; with another body it is refused. Keys are the partner's own namespace."""

    __tablename__ = "idempotent_requests"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # A hash of what was asked (endpoint and canonical body): equal means "the same request".
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- OAuth 2.0 authorization server: signing keys, revoked tokens, spent client assertions ---


class SigningKey(Base):
    """A key pair the hub signs access tokens with. At most one is current (`is_current` is true
    or null, and unique); a retired key stays published in the JWKS until every token it signed
    has expired. The private key is kept encrypted with a key derived from the secret key."""

    __tablename__ = "signing_keys"
    __table_args__ = (CheckConstraint("is_current", name="is_current"),)

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8))
    public_jwk: Mapped[dict[str, Any]]
    private_pem: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool | None] = mapped_column(Boolean, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class RevokedToken(Base):
    """An access token revoked before it expired (RFC 7009), by its `jti`. Checked on every
    request; kept only until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpentAssertion(Base):
    """A private_key_jwt client assertion already used: its `jti` may not be replayed
    (RFC 7523 §3). Kept until the assertion expires."""

    __tablename__ = "spent_assertions"

    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


# --- Admin dashboard: the programme admins who sign in at /admin/, and their sessions ---------


class Admin(Base):
    """A programme admin who signs in to the dashboard with an email and a password. Only a salted
    password hash is kept."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None]


class AdminSession(Base):
    """A signed-in dashboard session. The browser holds a random token; only its hash is kept, so
    signing out (deleting the row) ends the session even if the cookie was copied."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


# --- Monitoring: connector health -----------------------------------------------------------

# A connector's failure streak counts its failed runs after its last success: one range of
# this index per connector, however many runs the table holds.
Index(None, Run.connector_id, Run.status, Run.id)
