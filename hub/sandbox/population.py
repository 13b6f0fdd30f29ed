"""The sandbox's partners: 180 training providers and 5 payment partners, drawn from a seed.

Each partner has a code, a name, a home zone, an API or feed style, how many records each of
its streams holds, and its (sandbox-only) credentials. Sizes are heterogeneous, as real
partners are: a few large providers and a long tail of small ones.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

PROVIDERS = 180
#: Payment partners: code, name, style, share of the payments.
PAYMENT_PARTNERS = (
    ("bni", "Bank Negara Indonesia", "snap_bank", 0.22),
    ("gopay", "GoPay", "ewallet", 0.24),
    ("ovo", "OVO", "ewallet", 0.22),
    ("linkaja", "LinkAja", "ewallet", 0.12),
    ("dana", "DANA", "ewallet", 0.20),
)
#: Provider styles and how many of the 180 providers use each (see `hub.sandbox.styles`).
PROVIDER_STYLES = {
    "json_pages": 50,
    "json_cursor": 30,
    "json_offset_oauth": 20,
    "json_link_hmac": 20,
    "json_next_url": 20,
    "csv_export": 25,
    "xml_feed": 15,
}
ZONES = (("Asia/Jakarta", 0.6), ("Asia/Makassar", 0.25), ("Asia/Jayapura", 0.15))
#: The default size: courses, certificates and payments.
DEFAULT_COURSES = 6_000
DEFAULT_CERTIFICATES = 50_000
DEFAULT_PAYMENTS = 60_000
DEFAULT_SCALE = DEFAULT_COURSES + DEFAULT_CERTIFICATES + DEFAULT_PAYMENTS
#: The smallest world: every provider still has a few courses and certificates.
MIN_SCALE = 12_000

_NAME_HEADS = ("LPK", "Lembaga Pelatihan", "Akademi", "Kursus", "Sekolah", "Balai Latihan")
_NAME_WORDS = (
    "Cahaya", "Nusantara", "Maju", "Bersama", "Mandiri", "Karya", "Prima", "Harapan", "Bangsa",
    "Cendekia", "Terampil", "Sejahtera", "Gemilang", "Insan", "Kreatif", "Digital", "Mitra",
    "Utama", "Jaya", "Lestari",
)  # fmt: skip


@dataclass(frozen=True)
class Partner:
    """One simulated partner: who it is, how it serves its data and how much of it."""

    number: int
    code: str
    name: str
    kind: str
    style: str
    zone: str
    courses: int
    certificates: int
    payments: int
    #: The seed of the world it belongs to: its credentials derive from it.
    seed: int

    @property
    def streams(self) -> tuple[str, ...]:
        """The streams it serves."""
        return ("payments",) if self.kind == "payment_partner" else ("courses", "certificates")

    @property
    def tzinfo(self) -> ZoneInfo:
        """Its home zone."""
        return ZoneInfo(self.zone)

    @property
    def prefix(self) -> str:
        """The prefix of its records' external ids (`LPK017`, `GOPAY`)."""
        return self.code.replace("-", "").upper()

    def size(self, stream: str) -> int:
        """How many records `stream` holds (courses: in catalog version 1)."""
        return {"courses": self.courses, "certificates": self.certificates}.get(
            stream, self.payments
        )

    @cached_property
    def secrets(self) -> dict[str, str]:
        """Its sandbox credentials: API key, bearer token, OAuth client, HMAC key. They open
        nothing but the sandbox, and derive from the seed so a restarted sandbox accepts them."""

        def derive(purpose: str) -> str:
            material = f"{self.seed}:{self.code}:{purpose}".encode()
            return hashlib.sha256(material).hexdigest()[:32]

        return {
            "api_key": derive("api-key"),
            "token": derive("bearer"),
            "username": self.code,
            "password": derive("basic"),
            "client_id": f"hub-{self.code}",
            "client_secret": derive("oauth"),
            "client_code": f"{self.code.replace('-', '')}_code",
            "sign_key": derive("hmac"),
        }


@dataclass(frozen=True)
class World:
    """Every partner of one sandbox, by code, in a stable order."""

    seed: int
    scale: int
    partners: tuple[Partner, ...]

    @cached_property
    def by_code(self) -> dict[str, Partner]:
        """The partners by code."""
        return {partner.code: partner for partner in self.partners}

    def totals(self) -> dict[str, int]:
        """Records per stream over all partners (courses: catalog version 1)."""
        return {
            stream: sum(p.size(stream) for p in self.partners if stream in p.streams)
            for stream in ("courses", "certificates", "payments")
        }


def _apportion(total: int, weights: list[float], minimum: int) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder), each share ≥ `minimum`."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} is too few for {len(weights)} shares of {minimum}")
    whole = sum(weights)
    exact = [spare * w / whole for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: spare - sum(shares)]:
        shares[i] += 1
    return [share + minimum for share in shares]


def build_world(seed: int = 1, scale: int = DEFAULT_SCALE) -> World:
    """The partners of the sandbox with `seed`, with `scale` records in all (courses of catalog
    version 1, certificates and payments)."""
    if scale < MIN_SCALE:
        raise ValueError(f"scale: at least {MIN_SCALE:,} records (every partner needs a few)")
    rng = random.Random(seed)
    factor = scale / DEFAULT_SCALE
    styles = [style for style, count in PROVIDER_STYLES.items() for _ in range(count)]
    rng.shuffle(styles)
    weights = [min(rng.paretovariate(1.2), 40.0) for _ in range(PROVIDERS)]
    course_total = round(DEFAULT_COURSES * factor)
    certificate_total = round(DEFAULT_CERTIFICATES * factor)
    courses = _apportion(course_total, weights, 3)
    certificates = _apportion(certificate_total, weights, 3)
    # Payments take what rounding left, so the world holds exactly `scale` records.
    payments = _apportion(
        scale - course_total - certificate_total, [share for *_, share in PAYMENT_PARTNERS], 3
    )
    zone_names = [zone for zone, _ in ZONES]
    zone_weights = [weight for _, weight in ZONES]
    used_names: set[str] = set()
    partners = []
    for n in range(PROVIDERS):
        name = _provider_name(rng, used_names)
        partners.append(
            Partner(
                number=n,
                code=f"lpk-{n + 1:03d}",
                name=name,
                kind="training_provider",
                style=styles[n],
                zone=rng.choices(zone_names, zone_weights)[0],
                courses=courses[n],
                certificates=certificates[n],
                payments=0,
                seed=seed,
            )
        )
    for n, (code, name, style, _) in enumerate(PAYMENT_PARTNERS):
        partners.append(
            Partner(
                number=PROVIDERS + n,
                code=code,
                name=name,
                kind="payment_partner",
                style=style,
                zone="Asia/Jakarta",
                courses=0,
                certificates=0,
                payments=payments[n],
                seed=seed,
            )
        )
    return World(seed=seed, scale=scale, partners=tuple(partners))


def _provider_name(rng: random.Random, used: set[str]) -> str:
    while True:
        head = rng.choice(_NAME_HEADS)
        first, second = rng.sample(_NAME_WORDS, 2)
        name = f"{head} {first} {second}"
        if name not in used:
            used.add(name)
            return name
