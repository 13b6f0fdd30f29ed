"""A third-party connector type: two fixed courses, to prove plugin discovery end to end."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marshmallow import fields

from connectors import Checkpoint, ConfigSchema, Connector, Mapper, RawRecord, State, Stream


class HelloConfig(ConfigSchema):
    """Config of the `hello` connector."""

    greeting = fields.String(load_default="halo")
    token = fields.String(load_default=None, allow_none=True, metadata={"secret": True})


class HelloConnector(Connector):
    """Offers one stream, `courses`, of two courses named after the greeting."""

    name = "hello"
    config_schema = HelloConfig

    def streams(self, config: Mapping[str, Any]) -> Mapping[str, Stream]:
        """One stream of courses."""
        return {"courses": Stream("courses", "course")}

    def check(self, config: Mapping[str, Any]) -> None:
        """Always reachable."""

    def read(
        self, config: Mapping[str, Any], stream: str, state: State | None
    ) -> Iterator[RawRecord | Checkpoint]:
        """Two records, then a final checkpoint."""
        for number in (1, 2):
            yield {"id": number, "title": f"{config['greeting']} {number}"}
        yield Checkpoint({})

    def mapper(self, config: Mapping[str, Any], stream: str) -> Mapper:
        """Renames `id` to `external_id`."""
        return lambda raw: {"external_id": str(raw["id"]), "title": raw["title"]}


class NotAConnector:
    """Registered by mistake: the registry must refuse it."""
