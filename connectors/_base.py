"""The connector interface (DESIGN.md §3) that every connector type implements."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import marshmallow

if TYPE_CHECKING:
    from connectors.encoded import EncodedRecords

SyncMode = Literal["full_refresh", "incremental"]
State = Mapping[str, Any]
RawRecord = dict[str, Any]
Mapper = Callable[[RawRecord], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Stream:
    """A stream a connector offers: its name, the common-schema entity it feeds, its sync modes."""

    name: str
    entity: Literal["course", "certificate", "payment"]
    sync_modes: tuple[SyncMode, ...] = ("full_refresh",)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A resumable position in a read, JSON-serializable.

    `read` yields one after each page or batch; every record yielded before it is covered by it.
    Passing `state` back to `read` continues right after the last covered record.
    """

    state: State


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a read wants on the run's record besides records: `skipped` records (with
    their `count`), or a `schema_drift` warning. The runner adds up equal notices."""

    code: str
    message: str
    count: int = 1


class ConfigSchema(marshmallow.Schema):
    """Base for connector config specs. Mark secrets with `metadata={"secret": True}`.

    Secret fields are write-only: exported with `"writeOnly": true` and never shown back.
    """


class Connector(abc.ABC):
    """A connector type: reads one partner system's records, and maps them into the common schema.

    A connector knows nothing of the database. It is stateless: the runner hands it the validated
    config and the last committed state on every call.
    """

    name: ClassVar[str]
    config_schema: ClassVar[type[ConfigSchema]]

    @abc.abstractmethod
    def streams(self, config: Mapping[str, Any]) -> Mapping[str, Stream]:
        """The streams this configured connector offers, by name."""

    @abc.abstractmethod
    def check(self, config: Mapping[str, Any]) -> None:
        """Prove the source is reachable and the credentials work, or raise a `ConnectorError`."""

    @abc.abstractmethod
    def read(
        self, config: Mapping[str, Any], stream: str, state: State | None
    ) -> Iterator[RawRecord | EncodedRecords | Checkpoint | Notice]:
        """Yield the stream's raw source records, each page followed by a `Checkpoint`, and any
        `Notice` for the run's record. A page's records may come as one `EncodedRecords`, their
        JSON texts as the source sent them: the sync then decodes only those it does not hold.

        `state` is None for a fresh read from the start (a full refresh); otherwise the last
        checkpoint's state. Transient faults are retried inside; what cannot be retried raises a
        `FatalError`, and retries that run out raise a `RetriableError`.
        """

    @abc.abstractmethod
    def mapper(self, config: Mapping[str, Any], stream: str) -> Mapper:
        """A function from one raw record to the common-schema input form of the stream's entity.

        It raises `MappingError` with per-field messages when a record cannot be mapped.
        """
