"""The sandbox's records, in one partner-neutral form, each computed from the seed and its index.

Record `i` of a partner's stream depends only on `(seed, partner, stream, i)` and the catalog
version, so any page can be produced without producing the ones before it, and memory stays
flat at a million records. Styles (`hub.sandbox.styles`) turn these records into what each
partner's API or feed says.

About one record in a hundred is *malformed*: it carries one known defect (`Defect`) that the
common schema refuses with a known message, so tests can assert exact quarantine. Catalog
version 2 is the catalog after an edit: some courses updated, some removed, some added.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from stdnum import numdb

from hub.sandbox.population import Partner

#: Topics of courses: Indonesian title, category, KBJI 2014 unit group.
TOPICS = (
    ("Pemasaran Digital untuk UMKM", "pemasaran", "2431"),
    ("Dasar Pemrograman Python", "teknologi informasi", "2512"),
    ("Barista Profesional", "kuliner", "5132"),
    ("Menjahit Busana Muslim", "fesyen", "7531"),
    ("Akuntansi Dasar dengan Spreadsheet", "keuangan", "3313"),
    ("Teknisi Pendingin Ruangan", "teknik", "7127"),
    ("Desain Grafis dengan Canva", "desain", "2166"),
    ("Bahasa Inggris untuk Perhotelan", "pariwisata", "4224"),
    ("Perawatan Sepeda Motor", "otomotif", "7231"),
    ("Tata Rias Pengantin", "kecantikan", "5142"),
    ("Budidaya Ikan Lele", "perikanan", "6221"),
    ("Fotografi Produk untuk Toko Daring", "desain", "3431"),
    ("Analisis Data dengan Excel", "teknologi informasi", "2511"),
    ("Administrasi Perkantoran", "administrasi", "4110"),
    ("Kewirausahaan Kuliner Rumahan", "kuliner", "5120"),
    ("Pengelasan Dasar", "teknik", "7212"),
)
LEVELS = ("Dasar", "Menengah", "Lanjutan", "untuk Pemula", "Praktis", "Intensif")
SKILLS = ("komunikasi", "kerja sama tim", "pemecahan masalah", "literasi digital", "pelayanan")
DELIVERY_MODES = ("self_paced", "webinar", "offline", "blended")
CITIES = {
    "Asia/Jakarta": ("Kota Bandung", "Kota Surabaya", "Kabupaten Sleman", "Kota Medan"),
    "Asia/Makassar": ("Kota Makassar", "Kota Denpasar", "Kota Balikpapan", "Kota Mataram"),
    "Asia/Jayapura": ("Kota Jayapura", "Kota Ambon", "Kabupaten Merauke", "Kota Sorong"),
}
FIRST_NAMES = (
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Eko", "Putri", "Wahyu", "Ayu", "Rudi", "Nur",
    "Andi", "Fitri", "Yohanes", "Made", "Ketut", "Intan", "Rizky", "Maria", "Hendra",
)  # fmt: skip
LAST_NAMES = (
    "Rahayu", "Santoso", "Lestari", "Hidayat", "Wulandari", "Saputra", "Siregar", "Nasution",
    "Pratama", "Kurniawan", "Simanjuntak", "Wijaya", "Tanjung", "Manuputty", "Pakpahan",
)  # fmt: skip
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Streams and the entity each feeds.
STREAM_ENTITIES = {"courses": "course", "certificates": "certificate", "payments": "payment"}
_STREAM_TAGS = {"courses": 1, "certificates": 2, "payments": 3}
_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)

#: One record in about MALFORMED_EVERY is malformed.
MALFORMED_EVERY = 97
#: In catalog version 2, courses whose change roll is 1 are updated, 2 removed (of 25).
_CHANGE_ROLLS = 25


@dataclass(frozen=True, slots=True)
class Defect:
    """A known defect: the field the common schema refuses and the message it gives."""

    field: str
    message: str


DEFECTS: dict[str, tuple[Defect, ...]] = {
    "course": (
        Defect("kkni_level", "Must be greater than or equal to 1 and less than or equal to 9."),
        Defect("duration_hours", "Must be greater than 0 and less than or equal to 10000."),
        Defect("occupation_codes.0", "Not a KBJI code (e.g. 2512 or 2512.01)."),
    ),
    "certificate": (
        Defect("participant.nik", "Not a valid NIK: the birth date part is not a date."),
        Defect("attendance.sessions_attended", "Must not be more than sessions_total."),
        Defect("issued_at", "Must not be before completed_at."),
    ),
    "payment": (
        Defect("participant.nik", "Not a valid NIK: unknown province or regency code."),
        Defect("amount_idr", "Must be greater than 0."),
        Defect("settled_at", "Must not be before occurred_at."),
    ),
}


def _mix(*parts: int) -> int:
    """A well-spread 64-bit number from small ints (splitmix64 over the parts)."""
    value = 0x9E3779B97F4A7C15
    for part in parts:
        value = (value ^ part) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        value = (value ^ (value >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        value ^= value >> 31
    return value


def _roll(seed: int, partner: Partner, stream: str, index: int, salt: int) -> int:
    return _mix(seed, partner.number, _STREAM_TAGS[stream], index, salt)


def defect_of(seed: int, partner: Partner, stream: str, index: int) -> Defect | None:
    """The defect record `index` of the stream carries when malformed records are on, or None
    for a sound record.

    Courses that catalog version 2 changes or adds are always sound, so that the expected
    changes of a re-sync are exact.
    """
    if _roll(seed, partner, stream, index, 0) % MALFORMED_EVERY:
        return None
    if stream == "courses" and (index >= partner.courses or change_of(seed, partner, index)):
        return None
    defects = DEFECTS[STREAM_ENTITIES[stream]]
    return defects[_roll(seed, partner, stream, index, 1) % len(defects)]


def change_of(seed: int, partner: Partner, index: int) -> str | None:
    """What catalog version 2 does to course `index` of version 1: "updated", "removed" or
    None (left as it is)."""
    roll = _roll(seed, partner, "courses", index, 2) % _CHANGE_ROLLS
    return "updated" if roll == 1 else "removed" if roll == 2 else None


def added_courses(partner: Partner) -> int:
    """How many courses catalog version 2 adds after the first `partner.courses`."""
    return max(1, partner.courses // 30)


def course_indexes(seed: int, partner: Partner, version: int) -> list[int]:
    """The indexes of the courses in the catalog at `version` (1 or 2), in catalog order."""
    if version == 1:
        return list(range(partner.courses))
    kept = [i for i in range(partner.courses) if change_of(seed, partner, i) != "removed"]
    return kept + list(range(partner.courses, partner.courses + added_courses(partner)))


@cache
def _place_codes() -> tuple[str, ...]:
    """Province + regency codes python-stdnum knows (Papua's renumbered provinces left out)."""
    places = numdb.get("id/loc")
    codes = []
    for province in range(11, 90):
        for regency in range(1, 80):
            code = f"{province:02d}{regency:02d}"
            info = places.info(code)
            if len(info) == 2 and info[0][1] and info[1][1]:
                codes.append(code)
    return tuple(codes)


def nik(rng: random.Random) -> str:
    """A NIK with a real province and regency and a real birth date (women's day + 40).

    Its district part is `00`, which is never issued, so it is never a real person's.
    """
    codes = _place_codes()
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    day = born.day + (40 if rng.random() < 0.5 else 0)
    return f"{codes[rng.randrange(len(codes))]}00{day:02d}{born:%m%y}{rng.randrange(1, 10000):04d}"


def person_name(rng: random.Random) -> str:
    """An Indonesian-sounding full name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _code(rng: random.Random, length: int) -> str:
    return "".join(CROCKFORD[rng.randrange(32)] for _ in range(length))


def course_external_id(partner: Partner, index: int) -> str:
    """The external id of course `index` of a provider."""
    return f"{partner.prefix}-K{index:06d}"


def course(
    seed: int, partner: Partner, index: int, version: int = 1, *, malformed: bool = True
) -> dict[str, Any]:
    """Course `index` of a provider at catalog `version`, partner-neutral.

    Times are aware datetimes in the schedule's zone; money is int rupiah.
    """
    rng = random.Random(_roll(seed, partner, "courses", index, 3))
    title, category, kbji = TOPICS[rng.randrange(len(TOPICS))]
    mode = DELIVERY_MODES[rng.randrange(4)]
    duration = 15 + rng.randrange(46)
    price = (1 + rng.randrange(40)) * 25_000
    zone = partner.zone if rng.random() < 0.8 else rng.choice(tuple(CITIES))
    in_person = mode in ("offline", "blended")
    schedules = []
    start_day = _EPOCH + timedelta(days=rng.randrange(330))
    code = course_external_id(partner, index)
    for n in range(1 + rng.randrange(3)):
        local = (start_day + timedelta(days=21 * n)).astimezone(ZoneInfo(zone))
        starts = local.replace(hour=8 + rng.randrange(10), minute=rng.choice((0, 30)))
        # Online at most 3 hours a day, offline at most 8 (the 2023 scheme's rules).
        days = -(-duration // (8 if mode == "offline" else 3))
        schedules.append(
            {
                "schedule_code": f"{code}-J{n + 1}",
                "starts_at": starts,
                "ends_at": starts + timedelta(days=days - 1, hours=3),
                "timezone": zone,
                "location": rng.choice(CITIES[zone]) if in_person else None,
                "quota": 40 if mode == "offline" else 150,
            }
        )
    record: dict[str, Any] = {
        "external_id": code,
        "title": f"{title} {LEVELS[rng.randrange(len(LEVELS))]}",
        "description": f"Pelatihan {category} berbasis praktik untuk peserta Prakerja.",
        "category": category,
        "delivery_mode": mode,
        "duration_hours": duration,
        "price_idr": price,
        "occupation_codes": [kbji],
        "kkni_level": 1 + rng.randrange(6),
        "skills": [category, SKILLS[rng.randrange(len(SKILLS))]],
        "status": "active",
        "url": f"https://{partner.code}.sandbox.example.id/kelas/{code}",
        "schedules": schedules,
    }
    if version == 2 and index < partner.courses and change_of(seed, partner, index) == "updated":
        record["price_idr"] = price + 100_000
        record["title"] = f"{record['title']} (Revisi)"
    defect = defect_of(seed, partner, "courses", index) if malformed else None
    if defect is not None:
        if defect.field == "kkni_level":
            record["kkni_level"] = 12
        elif defect.field == "duration_hours":
            record["duration_hours"] = 0
        else:
            record["occupation_codes"] = ["25A2"]
    return record


def certificate(
    seed: int, partner: Partner, index: int, *, malformed: bool = True
) -> dict[str, Any]:
    """Certificate `index` of a provider: a completion of one of its version-1 courses."""
    rng = random.Random(_roll(seed, partner, "certificates", index, 3))
    course_index = rng.randrange(partner.courses)
    course_id = course_external_id(partner, course_index)
    completed = (_EPOCH + timedelta(minutes=rng.randrange(330 * 24 * 60))).replace(second=0)
    total = 4 + rng.randrange(7)
    number = f"{partner.prefix}-S{index:07d}"
    record: dict[str, Any] = {
        "external_id": number,
        "certificate_number": number,
        "course_external_id": course_id,
        "schedule_code": f"{course_id}-J1",
        "participant": {"nik": nik(rng), "name": person_name(rng)},
        "redeem_code": f"PRAT-{_code(rng, 10)}",
        "completed_at": completed,
        "issued_at": completed + timedelta(hours=1 + rng.randrange(72)),
        "score": 60 + rng.randrange(41),
        "attendance": {"sessions_attended": total, "sessions_total": total},
        "status": "issued",
    }
    defect = defect_of(seed, partner, "certificates", index) if malformed else None
    if defect is not None:
        if defect.field == "participant.nik":
            good = record["participant"]["nik"]
            record["participant"]["nik"] = f"{good[:6]}75{good[8:]}"
        elif defect.field == "issued_at":
            record["issued_at"] = completed - timedelta(days=2)
        else:
            record["attendance"]["sessions_attended"] = total + 1
    return record


def payment(seed: int, partner: Partner, index: int, *, malformed: bool = True) -> dict[str, Any]:
    """Payment transaction `index` of a payment partner: a purchase, an incentive disbursement
    or a refund."""
    rng = random.Random(_roll(seed, partner, "payments", index, 3))
    roll = rng.random()
    kind = "purchase" if roll < 0.4 else "disbursement" if roll < 0.95 else "refund"
    amount = (1 + rng.randrange(40)) * 25_000 if kind != "disbursement" else 600_000
    status_roll = rng.random()
    status = "succeeded" if status_roll < 0.9 else "pending" if status_roll < 0.96 else "failed"
    occurred = _EPOCH + timedelta(seconds=rng.randrange(330 * 86_400))
    record: dict[str, Any] = {
        "external_id": f"{partner.prefix}{index:010d}",
        "type": kind,
        "amount_idr": amount,
        "fee_idr": 0 if partner.style == "snap_bank" or kind != "purchase" else 2_500,
        "status": status,
        "participant": {"nik": nik(rng), "name": person_name(rng)},
        "phone": f"628{rng.randrange(11, 99)}{rng.randrange(10**7, 10**8)}",
        "invoice_code": f"INV/{occurred:%Y%m%d}/{rng.randrange(10**9):09d}"
        if kind == "purchase"
        else None,
        "transaction_code": f"01{_code(rng, 24)}" if kind == "purchase" else None,
        "redeem_code": f"PRAT-{_code(rng, 10)}" if kind == "purchase" else None,
        "occurred_at": occurred,
        "settled_at": occurred + timedelta(seconds=5 + rng.randrange(600))
        if status == "succeeded"
        else None,
    }
    defect = defect_of(seed, partner, "payments", index) if malformed else None
    if defect is not None:
        if defect.field == "participant.nik":
            record["participant"]["nik"] = "99" + record["participant"]["nik"][2:]
        elif defect.field == "amount_idr":
            record["amount_idr"] = 0
        else:
            record["status"] = "succeeded"
            record["settled_at"] = occurred - timedelta(hours=1)
    return record


def record(
    seed: int,
    partner: Partner,
    stream: str,
    index: int,
    version: int = 1,
    *,
    malformed: bool = True,
) -> dict[str, Any]:
    """Record `index` of a partner's stream, partner-neutral; `malformed=False` leaves every
    record sound."""
    if stream == "courses":
        return course(seed, partner, index, version, malformed=malformed)
    if stream == "certificates":
        return certificate(seed, partner, index, malformed=malformed)
    return payment(seed, partner, index, malformed=malformed)
