"""The raw NIK never reaches the database: certificates and payments keep a keyed hash, and the
raw copies (kept and quarantined) have it masked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import responses
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.settings import Settings
from hub.store import ids
from hub.store.models import Base, Certificate, Payment, Rejection
from hub.sync.runner import SyncRunner
from schemas import participant_ref

BASE = "http://lpk.test"
NIKS = ["3201010101900001", "3201014101900002", "3174052512850003"]  # the 2nd is a woman's
BAD_NIK = "3201013201900004"  # born on the 32nd


def certificate(n: int, nik: str) -> dict[str, Any]:
    return {
        "no": f"SRT-{n:05d}",
        "kelas": "C0000001",
        "peserta": {"nik": nik, "nama": f"Peserta {n}"},
        "kode_tukar": f"PRAT-{n:07d}",
        "selesai": "2026-03-01 16:00:00",
        "terbit": "2026-03-02 09:00:00",
        "nilai": 87,
        "hadir": 10,
        "sesi": 10,
    }


def payment(n: int, nik: str) -> dict[str, Any]:
    return {
        "ref": f"TRX-{n:05d}",
        "jenis": "disbursement",
        "nominal": {"value": "600000.00", "currency": "IDR"},
        "status": "succeeded",
        "nik_penerima": nik,
        "nama": f"Peserta {n}",
        "invoice": 900000 + n,
        "kode_transaksi": f"01E3P4ZSXN1NKFKWZM1934{n:04d}",
        "waktu": "2026-03-05T10:00:00+07:00",
    }


CONFIG = {
    "base_url": BASE,
    "http": {"max_retries": 0},
    "streams": {
        "certificates": {
            "entity": "certificate",
            "path": "/sertifikat",
            "records_path": "data",
            "mapping": {
                "external_id": "no",
                "certificate_number": "no",
                "course_external_id": "kelas",
                "participant.nik": "peserta.nik",
                "participant.name": "peserta.nama",
                "redeem_code": "kode_tukar",
                "completed_at": "selesai",
                "issued_at": "terbit",
                "score": "nilai",
                "attendance.sessions_attended": "hadir",
                "attendance.sessions_total": "sesi",
            },
        },
        "payments": {
            "entity": "payment",
            "path": "/transaksi",
            "records_path": "data",
            "mapping": {
                "external_id": "ref",
                "type": "jenis",
                "amount_idr": {"path": "nominal.value"},
                "status": "status",
                "participant.nik": "nik_penerima",
                "participant.name": "nama",
                "invoice_code": {"path": "invoice", "transform": "str"},
                "transaction_code": "kode_transaksi",
                "occurred_at": "waktu",
            },
        },
    },
}


@pytest.fixture
def synced(sessions: sessionmaker[Session], settings: Settings) -> Iterator[dict[str, Any]]:
    with sessions.begin() as session:
        PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-p", "name": "LPK P"}
        )
        connector = ConnectorService(session).add(
            "lpk-p", "declarative", CONFIG, sealer=ConfigSealer(settings)
        )
    certificates = [certificate(i, nik) for i, nik in enumerate([*NIKS, BAD_NIK])]
    payments = [payment(i, nik) for i, nik in enumerate(NIKS)]
    with responses.RequestsMock() as mock:
        # The first NIK spelled in escapes (`\u0033\u0032...`), as a source may write any text.
        page = orjson.dumps({"data": certificates}).decode()
        page = page.replace(NIKS[0], "".join(f"\\u{ord(digit):04x}" for digit in NIKS[0]))
        mock.get(f"{BASE}/sertifikat", body=page, content_type="application/json")
        mock.get(f"{BASE}/transaksi", json={"data": payments})
        runner = SyncRunner(sessions, settings)
        yield {
            "certificates": runner.run(connector.id, "certificates"),
            "payments": runner.run(connector.id, "payments"),
            "partner_id": connector.partner_id,
        }


def everything_stored(sessions: sessionmaker[Session]) -> str:
    """Every row of every table, as text."""
    with sessions() as session:
        dialect = session.get_bind().dialect.name
        parts: list[str] = []
        for table in Base.metadata.sorted_tables:
            if dialect == "postgresql":
                rows = session.execute(text(f"SELECT row_to_json(t)::text FROM {table.name} t"))
            else:
                rows = session.execute(table.select())
            parts.extend(str(tuple(row)) for row in rows)
        return "\n".join(parts)


def test_certificates_and_payments_keep_only_the_keyed_hash(
    synced: dict[str, Any], sessions: sessionmaker[Session], settings: Settings
) -> None:
    assert synced["certificates"].status == "partial"  # the bad NIK is quarantined
    assert (synced["certificates"].created, synced["certificates"].rejected) == (3, 1)
    assert (synced["payments"].status, synced["payments"].created) == ("succeeded", 3)
    with sessions() as session:
        refs = set(session.scalars(select(Certificate.participant_ref)))
        paid = {p.external_id: p for p in session.scalars(select(Payment))}
        [rejected] = session.scalars(select(Rejection)).all()
        course_ids = set(session.scalars(select(Certificate.course_id)))
    expected = {participant_ref(nik, settings.nik_key) for nik in NIKS}
    assert refs == expected
    assert {p.participant_ref for p in paid.values()} == expected
    assert paid["TRX-00000"].amount_idr == 600_000
    assert paid["TRX-00000"].data["invoice_code"] == "900000"
    assert course_ids == {ids.record_id("course", synced["partner_id"], "C0000001")}
    assert "participant.nik" in rejected.errors
    assert rejected.raw["peserta"]["nik"] == "[redacted]"
    assert BAD_NIK not in str(rejected.errors)


def test_no_raw_nik_anywhere_in_the_database(
    synced: dict[str, Any], sessions: sessionmaker[Session], settings: Settings
) -> None:
    dump = everything_stored(sessions)

    for nik in [*NIKS, BAD_NIK]:
        assert nik not in dump
    if settings.database_url.startswith("sqlite"):
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        for path in database.parent.glob(database.name + "*"):  # the file, its WAL and SHM
            content = path.read_bytes()
            for nik in [*NIKS, BAD_NIK]:
                assert nik.encode() not in content, path


def test_a_nik_spelled_in_escapes_is_masked_in_the_raw_copy_too(
    synced: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        first = session.execute(
            select(Certificate).where(Certificate.external_id == "SRT-00000")
        ).scalar_one()

    assert first.raw["peserta"]["nik"] == "[redacted]"
    assert "\\u0033" not in everything_stored(sessions)
