"""The sandbox's world and records: who the partners are, and what their records hold."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from stdnum.id import nik as stdnum_nik

from hub.sandbox import expected, generate
from hub.sandbox.population import PAYMENT_PARTNERS, build_world
from schemas.fields import nik_birth_date_valid, nik_place_known

WORLD = build_world(seed=1)


def test_the_default_world_has_180_providers_5_payment_partners_and_the_default_size() -> None:
    kinds = Counter(partner.kind for partner in WORLD.partners)
    assert kinds == {"training_provider": 180, "payment_partner": 5}
    assert WORLD.totals() == {"courses": 6_000, "certificates": 50_000, "payments": 60_000}
    assert [p.name for p in WORLD.partners if p.kind == "payment_partner"] == [
        name for _, name, _, _ in PAYMENT_PARTNERS
    ]
    assert len({p.code for p in WORLD.partners}) == 185
    assert len({p.name for p in WORLD.partners}) == 185


def test_partners_are_heterogeneous_in_style_size_and_zone() -> None:
    providers = [p for p in WORLD.partners if p.kind == "training_provider"]
    styles = Counter(p.style for p in providers)
    assert len(styles) >= 6
    assert styles["json_offset_oauth"] >= 1
    assert styles["json_link_hmac"] >= 1
    assert {p.zone for p in providers} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    sizes = sorted(p.courses for p in providers)
    assert sizes[0] >= 3
    assert sizes[-1] > 10 * sizes[len(sizes) // 2]


def test_the_same_seed_gives_the_same_records_and_another_seed_others() -> None:
    again, other = build_world(seed=1), build_world(seed=2)
    assert again == WORLD
    partner = WORLD.by_code["lpk-001"]
    assert generate.course(1, partner, 5) == generate.course(1, again.by_code["lpk-001"], 5)
    assert generate.course(1, partner, 5) != generate.course(2, other.by_code["lpk-001"], 5)
    assert [p.style for p in WORLD.partners] != [p.style for p in other.partners]


def test_scale_sizes_the_world_to_a_million_records() -> None:
    big = build_world(seed=1, scale=1_000_000)
    assert sum(big.totals().values()) == 1_000_000
    with pytest.raises(ValueError, match="scale"):
        build_world(scale=1_000)


def test_sound_niks_are_valid_for_stdnum_and_the_hub_and_never_a_real_district() -> None:
    provider = WORLD.by_code["lpk-002"]
    bank = WORLD.by_code["bni"]
    niks = [
        generate.certificate(1, provider, i, malformed=False)["participant"]["nik"]
        for i in range(300)
    ]
    niks += [
        generate.payment(1, bank, i, malformed=False)["participant"]["nik"] for i in range(300)
    ]
    for value in niks:
        assert stdnum_nik.is_valid(value), value
        assert nik_place_known(value[:4])
        assert nik_birth_date_valid(value[6:12])
        assert value[4:6] == "00"
    women = [v for v in niks if int(v[6:8]) > 40]
    assert 0.3 < len(women) / len(niks) < 0.7


def test_courses_follow_the_programme_rules() -> None:
    for partner in WORLD.partners[:20]:
        for index in range(partner.courses):
            course = generate.course(1, partner, index, malformed=False)
            assert course["duration_hours"] >= 15
            assert course["occupation_codes"][0].isdigit()
            assert course["schedules"]
            for schedule in course["schedules"]:
                assert schedule["timezone"] in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
                assert schedule["ends_at"] > schedule["starts_at"]
                assert 8 <= schedule["starts_at"].hour <= 18
                if course["delivery_mode"] == "offline":
                    assert schedule["location"]
                    assert schedule["quota"] == 40


def test_certificates_complete_courses_of_their_own_provider() -> None:
    provider = WORLD.by_code["lpk-003"]
    own = {generate.course_external_id(provider, i) for i in range(provider.courses)}
    for index in range(provider.certificates):
        certificate = generate.certificate(1, provider, index, malformed=False)
        assert certificate["course_external_id"] in own
        assert certificate["issued_at"] >= certificate["completed_at"]
        attendance = certificate["attendance"]
        assert attendance["sessions_attended"] == attendance["sessions_total"]


def test_payments_are_purchases_disbursements_and_refunds_in_rupiah() -> None:
    wallet = WORLD.by_code["gopay"]
    payments = [generate.payment(1, wallet, i, malformed=False) for i in range(2_000)]
    kinds = Counter(p["type"] for p in payments)
    assert set(kinds) == {"purchase", "disbursement", "refund"}
    assert all(p["amount_idr"] == 600_000 for p in payments if p["type"] == "disbursement")
    purchases = [p for p in payments if p["type"] == "purchase"]
    assert all(p["invoice_code"] and len(p["transaction_code"]) == 26 for p in purchases)
    settled = [p for p in payments if p["settled_at"] is not None]
    assert all(p["settled_at"] - p["occurred_at"] >= timedelta(seconds=5) for p in settled)


def test_about_one_record_in_a_hundred_is_malformed_with_every_defect_kind() -> None:
    manifest = expected.malformed(WORLD)
    found: Counter[str] = Counter()
    for streams in manifest.values():
        for stream, records in streams.items():
            found[stream] += len(records)
    totals = WORLD.totals()
    for stream, count in found.items():
        assert 0.007 < count / totals[stream] < 0.014, stream
    defects = {
        (field, message)
        for streams in manifest.values()
        for records in streams.values()
        for errors in records.values()
        for field, (message,) in errors.items()
    }
    assert len(defects) == sum(len(kinds) for kinds in generate.DEFECTS.values())
    assert expected.malformed(WORLD, enabled=False) == {}


def test_catalog_version_2_updates_removes_and_adds_courses_exactly_as_reported() -> None:
    changes = expected.changes(WORLD)
    provider = WORLD.by_code["lpk-004"]
    mine = changes["lpk-004"]
    v1 = {
        c["external_id"]: c
        for c in (generate.course(1, provider, i) for i in range(provider.courses))
    }
    v2 = {
        c["external_id"]: c
        for c in (
            generate.course(1, provider, i, 2)
            for i in expected.indexes(WORLD, provider, "courses", 2)
        )
    }
    assert sorted(v2.keys() - v1.keys()) == mine["created"]
    assert sorted(v1.keys() - v2.keys()) == mine["deleted"]
    assert sorted(k for k in v1.keys() & v2.keys() if v1[k] != v2[k]) == mine["updated"]
    totals = {
        kind: sum(len(c[kind]) for c in changes.values())
        for kind in ("created", "updated", "deleted")
    }
    assert all(count > 100 for count in totals.values())
    malformed = expected.malformed(WORLD, 2)
    changed = {i for c in changes.values() for kind in c.values() for i in kind}
    assert not changed & {i for s in malformed.values() for i in s.get("courses", {})}
