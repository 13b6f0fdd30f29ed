"""Faults the sandbox injects on demand, for all partners or one.

A fault plan is written `kind:count[:value][@partner]`, several separated by commas:

- `429:N[:S]` — the first N requests of every page answer 429 with `Retry-After: S` (default 1);
- `5xx:N` — the first N requests of every page answer 503 (a burst of server errors);
- `drop:N` — the first N requests of every page get the headers and half the body, then the
  connection closes;
- `slow:MS` — every answer waits MS milliseconds first.

"Every page" means every distinct request (method, path, query, body), so a client that retries
gets through once the count is used up, and one that retries fewer times fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("429", "5xx", "drop", "slow")


class FaultSpecError(ValueError):
    """A fault plan that cannot be read; the message names the part and the rule."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault."""

    kind: str
    count: int
    value: int
    partner: str | None

    def applies_to(self, partner: str) -> bool:
        """Whether it hits requests to `partner`."""
        return self.partner is None or self.partner == partner


def parse_faults(spec: str) -> tuple[Fault, ...]:
    """The faults of a plan like `429:2,5xx:3@lpk-001,slow:200`; empty text is no fault."""
    faults = []
    for part in (piece.strip() for piece in spec.split(",")):
        if not part:
            continue
        body, _, partner = part.partition("@")
        kind, *numbers = body.split(":")
        if kind not in KINDS:
            raise FaultSpecError(f"fault {part!r}: kind must be one of {', '.join(KINDS)}")
        if not numbers or len(numbers) > (2 if kind == "429" else 1):
            raise FaultSpecError(f"fault {part!r}: write {_FORMS[kind]}")
        if not all(n.isdigit() for n in numbers):
            raise FaultSpecError(f"fault {part!r}: counts and values are whole numbers")
        count = int(numbers[0])
        value = int(numbers[1]) if len(numbers) > 1 else 1
        if kind == "slow":
            count, value = 0, count
        faults.append(Fault(kind, count, value, partner or None))
    return tuple(faults)


_FORMS = {"429": "429:N[:SECONDS]", "5xx": "5xx:N", "drop": "drop:N", "slow": "slow:MS"}


@dataclass(frozen=True, slots=True)
class Injection:
    """What to do to one request: wait first, then answer an error or drop the connection."""

    delay_ms: int = 0
    status: int | None = None
    retry_after: int | None = None
    drop: bool = False


class FaultInjector:
    """Decides, request by request, which fault (if any) a request meets. Thread-safe."""

    def __init__(self, faults: tuple[Fault, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._attempts: dict[tuple[str, str], int] = {}

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The faults in force."""
        return self._faults

    def replace(self, faults: tuple[Fault, ...]) -> None:
        """Put `faults` in force instead, counting every page's requests afresh."""
        with self._lock:
            self._faults = faults
            self._attempts.clear()

    def decide(self, partner: str, request_key: str) -> Injection:
        """The fault the next request to `partner` with this key meets."""
        faults = [fault for fault in self._faults if fault.applies_to(partner)]
        if not faults:
            return Injection()
        with self._lock:
            attempt = self._attempts.get((partner, request_key), 0)
            self._attempts[(partner, request_key)] = attempt + 1
        delay = sum(fault.value for fault in faults if fault.kind == "slow")
        # Faults take turns in the order written: 429:1,5xx:2 answers 429, 503, 503, then data.
        for fault in faults:
            if fault.kind == "slow":
                continue
            if attempt < fault.count:
                if fault.kind == "429":
                    return Injection(delay, 429, fault.value)
                if fault.kind == "5xx":
                    return Injection(delay, 503)
                return Injection(delay, drop=True)
            attempt -= fault.count
        return Injection(delay)
