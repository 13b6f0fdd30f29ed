"""What a load needs to know about its source: the zone of naive times and the NIK key.

Both are per source, not per field, so they travel beside the load in a context variable.
marshmallow 4 offers `marshmallow.experimental.context.Context` for this, but every `Context`
shares one variable, so anyone else's `Context` entered inside ours would hide ours; this
module keeps its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from schemas._refs import ref_function

#: The zones of Indonesia (none observes daylight saving time): WIB, WITA, WIT.
ZONES: tuple[str, ...] = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
ZONE_INFO: dict[str, ZoneInfo] = {name: ZoneInfo(name) for name in ZONES}
DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True, slots=True)
class LoadContext:
    """The source's settings for one load: its IANA zone name and the key of `participant.ref`.

    `nik_ref` is `participant_ref` under `nik_key` as a function of the NIK, made once per
    context (None without a usable key).
    """

    zone_name: str = DEFAULT_ZONE
    nik_key: bytes | None = None
    nik_ref: Callable[[str], str] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    #: `zone` without the property call (the fast path reads it once a record).
    zone_info: ZoneInfo = field(
        default=ZONE_INFO[DEFAULT_ZONE], init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.zone_name not in ZONES:
            raise ValueError(f"timezone must be one of {', '.join(ZONES)}, not {self.zone_name!r}")
        object.__setattr__(self, "zone_info", ZONE_INFO[self.zone_name])
        if isinstance(self.nik_key, bytes) and len(self.nik_key) >= 16:
            object.__setattr__(self, "nik_ref", ref_function(self.nik_key))

    def __reduce__(self) -> tuple[type[LoadContext], tuple[str, bytes | None]]:
        # nik_ref (hash states in a closure) does not pickle; it is made again from the key.
        return (LoadContext, (self.zone_name, self.nik_key))

    @property
    def zone(self) -> ZoneInfo:
        """The source's zone, in which naive times are read."""
        return ZONE_INFO[self.zone_name]


_DEFAULT = LoadContext()
#: The context of the load in progress; set it with `source_context` (or set/reset).
CURRENT: ContextVar[LoadContext] = ContextVar("schemas.load_context", default=_DEFAULT)


@contextlib.contextmanager
def source_context(context: LoadContext) -> Iterator[LoadContext]:
    """Loads inside this block read naive times in `context.zone` and hash NIKs with its key."""
    token = CURRENT.set(context)
    try:
        yield context
    finally:
        CURRENT.reset(token)


def current() -> LoadContext:
    """The context of the load in progress; outside any, the defaults (WIB, no NIK key)."""
    return CURRENT.get()


def current_zone_name() -> str:
    """The source zone's name: the default of a schedule's `timezone`."""
    return CURRENT.get().zone_name
