"""The `push` connector type: a partner that sends its records to the hub over HTTP
(`POST /api/v1/ingest/...`) instead of being read. Pushed records are already in the common
schema's input form, so its mapping is the identity; there is nothing to pull, so a run asked of
it fails at once, before anything is written (a full refresh of an empty read must never mark a
partner's pushed records deleted)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from connectors._base import Checkpoint, ConfigSchema, Connector, Mapper, RawRecord, State, Stream
from connectors.errors import FatalError

#: The streams a partner may push to, by name, with the entity each feeds.
PUSH_STREAMS = {"courses": "course", "certificates": "certificate", "payments": "payment"}


class PushConfigSchema(ConfigSchema):
    """A push connector needs no settings: the partner is the pushing token's."""


class PushConnector(Connector):
    """Receives a partner's pushed common-schema records."""

    name: ClassVar[str] = "push"
    config_schema: ClassVar[type[ConfigSchema]] = PushConfigSchema

    def streams(self, config: Mapping[str, Any]) -> Mapping[str, Stream]:
        """One stream per pushable entity; a push never deletes, so each is incremental."""
        return {
            name: Stream(name=name, entity=entity, sync_modes=("incremental",))  # type: ignore[arg-type]
            for name, entity in PUSH_STREAMS.items()
        }

    def check(self, config: Mapping[str, Any]) -> None:
        """Nothing to reach: the partner calls the hub."""

    def read(
        self, config: Mapping[str, Any], stream: str, state: State | None
    ) -> Iterator[RawRecord | Checkpoint]:
        """Refuses: pushed records arrive over HTTP, they are never read."""
        raise FatalError(f"stream {stream!r} is pushed by the partner: there is nothing to read")

    def mapper(self, config: Mapping[str, Any], stream: str) -> Mapper:
        """The identity: pushed records are in the common schema already."""
        return dict
