"""Records/s of schema validation: marshmallow's load against the Normalizer's fast path.

Run from the repository root: `.venv/bin/python -m bench.bench_schemas [--records N]`.

Both paths get the same records and must give the same documents. The workloads: the sandbox
catalog's courses as its declarative mapping delivers them (what a sync validates), and generated
records of each entity (valid, in the mix of forms partners send); `payment, distinct times`
gives every payment times no other has, so the fast path's memo of times never helps. Rounds
alternate between the paths and the best round of each counts (in CPU time), so a busy machine
slows both alike; the ratio is what to compare across machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema

from schemas import ENTITY_SCHEMAS, Normalizer
from schemas._context import CURRENT, LoadContext

NIK_KEY = b"bench-key-bench-key-bench-key-00"
ZONE = "Asia/Jakarta"
NIKS = ("3171011708450001", "3171015708900002", "3273014101990003", "5171012512010004")


def _moment(rng: random.Random, day: int, hour: int) -> str:
    """A time in one of the forms partners use: UTC with Z, with an offset, or naive."""
    form = rng.random()
    if form < 0.5:
        return f"2024-06-{day:02d}T{hour - 7:02d}:00:00Z"
    if form < 0.75:
        return f"2024-06-{day:02d}T{hour:02d}:00:00+07:00"
    return f"2024-06-{day:02d} {hour:02d}:00:00"


def _price(rng: random.Random) -> int | str:
    amount = rng.randrange(100, 5000) * 1000
    return amount if rng.random() < 0.8 else f"Rp{amount:,}".replace(",", ".")


def course(rng: random.Random, index: int) -> dict[str, Any]:
    """A valid course with two schedules."""
    mode = rng.choice(["self_paced", "webinar", "offline", "blended"])
    schedules = []
    for number in (1, 2):
        day = rng.randrange(1, 28)
        schedule: dict[str, Any] = {
            "schedule_code": f"SCH-{index}-{number}",
            "starts_at": _moment(rng, day, 9),
            "ends_at": _moment(rng, day, 16),
            "location": "Kota Bandung" if mode in ("offline", "blended") else None,
            "quota": rng.choice([None, 40, 150]),
        }
        if rng.random() < 0.3:
            schedule["timezone"] = rng.choice(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
        schedules.append(schedule)
    return {
        "external_id": f"COURSE-{index:06d}",
        "title": f"Pelatihan Digital Marketing Batch {index}",
        "description": "Belajar pemasaran digital untuk UMKM: media sosial, iklan, dan analitik.",
        "category": "Pemasaran",
        "language": "id",
        "delivery_mode": mode,
        "duration_hours": rng.choice([15, 16.5, 20, 32]),
        "price_idr": _price(rng),
        "occupation_codes": rng.sample(["2431", "2431.01", "2434", "3322.02"], 2),
        "kkni_level": rng.choice([None, 3, 4, 5]),
        "skills": rng.sample(["seo", "copywriting", "analitik", "iklan digital"], 3),
        "url": f"https://kursus.example.co.id/pelatihan/{index}",
        "schedules": schedules,
    }


def certificate(rng: random.Random, index: int) -> dict[str, Any]:
    """A valid certificate."""
    return {
        "external_id": f"CERT-{index:06d}",
        "certificate_number": f"NO/{index:06d}/2024",
        "course_external_id": f"COURSE-{index % 500:06d}",
        "schedule_code": f"SCH-{index % 500}-1",
        "participant": {"nik": rng.choice(NIKS), "name": "Siti Rahmawati"},
        "redeem_code": "GHOPNYXUVMT0",
        "completed_at": _moment(rng, 10, 15),
        "issued_at": _moment(rng, 12, 10),
        "score": rng.choice([None, 80, 92.5]),
        "attendance": {"sessions_attended": 8, "sessions_total": 8},
    }


def payment(rng: random.Random, index: int) -> dict[str, Any]:
    """A valid payment transaction."""
    return {
        "external_id": f"PAY-{index:06d}",
        "type": rng.choice(["purchase", "disbursement"]),
        "amount_idr": _price(rng),
        "fee_idr": rng.choice([0, 2500, "Rp2.500"]),
        "status": "succeeded",
        "participant": {"nik": rng.choice(NIKS), "name": "Budi Santoso"},
        "invoice_code": rng.choice([100000 + index, f"INV-{index}"]),
        "transaction_code": "01E3P4ZSXN1NKFKWZM193425B3",
        "redeem_code": "GHOPNYXUVMT0",
        "occurred_at": _moment(rng, 3, 10),
        "settled_at": _moment(rng, 3, 11),
    }


def payment_at_distinct_times(rng: random.Random, index: int) -> dict[str, Any]:
    """A valid payment whose times no other payment shares."""
    record = payment(rng, index)
    moment = dt.datetime(2024, 6, 3, 3, tzinfo=dt.UTC) + dt.timedelta(seconds=37 * index)
    record["occurred_at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    record["settled_at"] = (moment + dt.timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return record


GENERATORS: dict[str, Callable[[random.Random, int], dict[str, Any]]] = {
    "course": course,
    "certificate": certificate,
    "payment": payment,
}


def catalog_courses(count: int) -> list[dict[str, Any]]:
    """The sandbox catalog's first `count` courses, mapped as a sync maps them."""
    from connectors.mapping import compile_mapping
    from hub.sandbox.catalog import COURSE_MAPPING
    from hub.sandbox.catalog import course as catalog_course

    mapper = compile_mapping(COURSE_MAPPING)
    return [mapper(catalog_course(index)) for index in range(count)]


def workloads(count: int, seed: int = 20240601) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each workload's entity and `count` records, by label."""
    rng = random.Random(seed)
    generated = {
        "course, 2 schedules": ("course", course),
        "certificate": ("certificate", certificate),
        "payment": ("payment", payment),
        "payment, distinct times": ("payment", payment_at_distinct_times),
    }
    loads = {"course, catalog mapped": ("course", catalog_courses(count))}
    for label, (entity, generate) in generated.items():
        loads[label] = (entity, [generate(rng, index) for index in range(count)])
    return loads


def _rate(load: Callable[[Mapping[str, Any]], Any], records: list[dict[str, Any]]) -> float:
    start = time.process_time()
    for record in records:
        load(record)
    return len(records) / (time.process_time() - start)


def measure(entity: str, records: list[dict[str, Any]], rounds: int) -> tuple[float, float]:
    """Best records/s of (marshmallow, fast path) over `rounds` alternating rounds."""
    normalizer = Normalizer(entity, nik_key=NIK_KEY, timezone=ZONE)
    schema: Schema = ENTITY_SCHEMAS[entity]()
    context = LoadContext(zone_name=ZONE, nik_key=NIK_KEY)

    def marshmallow_load(record: Mapping[str, Any]) -> Any:
        # What the Normalizer does without its fast path: load inside the source's context.
        token = CURRENT.set(context)
        try:
            return schema.load(record)
        finally:
            CURRENT.reset(token)

    if not normalizer.compiled:
        raise SystemExit(f"{entity}: the schema has no fast path")
    for record in records:
        if normalizer(record) != marshmallow_load(record):
            raise SystemExit(f"{entity}: the paths disagree on {record['external_id']}")
    best_slow = best_fast = 0.0
    for _ in range(rounds):
        best_slow = max(best_slow, _rate(marshmallow_load, records))
        best_fast = max(best_fast, _rate(normalizer, records))
    return best_slow, best_fast


def main() -> None:
    """Print records/s and µs per record of both paths for each workload."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="records per workload")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per path")
    args = parser.parse_args()
    print(f"{args.records} valid records per workload, best of {args.rounds} alternating rounds")
    for label, (entity, records) in workloads(args.records).items():
        slow, fast = measure(entity, records, args.rounds)
        print(
            f"{label:24s} marshmallow {slow:8,.0f}/s {1e6 / slow:6.1f} µs"
            f"   fast path {fast:8,.0f}/s {1e6 / fast:6.1f} µs   {fast / slow:4.1f}x"
        )


if __name__ == "__main__":
    main()
