"""How each kind of partner serves its records: field names, value formats and pagination.

A style turns the partner-neutral records of `hub.sandbox.generate` into the answer of one
request. The styles differ the way real partners do: Indonesian or English (or camelCase)
field names, prices as `"Rp1.950.000"`, `"IDR 1,950,000"`, numbers or SNAP amounts, times naive
in the schedule's zone, with an offset, in UTC or as `dd/mm/yyyy HH:MM`, and pages by number,
offset, cursor, next-URL or `Link` header, or one CSV or XML document.

Each style's connector definition is the template `config/connectors/sandbox/<style>.yaml`
(see `hub.sandbox.definitions`).
"""

from __future__ import annotations

import abc
import base64
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

import orjson

from hub.sandbox.population import Partner

#: The most records one page may hold; larger requests are capped, as real APIs do.
MAX_PAGE = 1_000
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(slots=True)
class Answer:
    """One HTTP answer of the sandbox."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Items = Callable[[int, int], list[dict[str, Any]]]
"""(start, count) → the partner-neutral records at those positions of the stream."""


@dataclass(slots=True)
class PageRequest:
    """What a style needs to answer a request for a page of one stream."""

    partner: Partner
    stream: str
    query: Mapping[str, str]
    body: Mapping[str, Any]
    #: The absolute URL of the stream, for next-page links.
    url: str
    total: int
    items: Items


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _json(value: Any, headers: dict[str, str] | None = None) -> Answer:
    return Answer(200, orjson.dumps(value), headers=headers or {})


def _rp_dots(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _naive(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _utc(moment: datetime, millis: bool = False) -> str:
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.000Z" if millis else f"{text}Z"


def _local(moment: datetime, zone: Any) -> datetime:
    return moment.astimezone(zone)


class Style(abc.ABC):
    """A way of serving records. Subclasses set the paths, answer requests for pages and
    convert records (`convert_<stream>` for each stream they serve)."""

    name: ClassVar[str]
    #: stream → path under the partner's base URL.
    paths: ClassVar[dict[str, str]]
    method: ClassVar[str] = "GET"
    #: How requests authenticate: none, api_key_header, api_key_query, bearer, basic,
    #: oauth2, hmac.
    auth: ClassVar[str] = "none"
    #: The header that carries the key, for `api_key_header`.
    key_header: ClassVar[str] = "X-API-Key"

    @abc.abstractmethod
    def answer(self, request: PageRequest) -> Answer:
        """The answer to a request for a page."""

    def convert(self, partner: Partner, stream: str, record: dict[str, Any]) -> Any:
        """One record in the style's own form."""
        convert = getattr(self, f"convert_{stream}")
        return convert(partner, record)

    def page(self, request: PageRequest, start: int, size: int) -> list[Any]:
        """The records at positions [start, start + size) of the stream, in the style's form."""
        records = request.items(start, size)
        return [self.convert(request.partner, request.stream, r) for r in records]

    def every(self, request: PageRequest) -> Iterator[Any]:
        """Every record of the stream in the style's form, for the styles that serve a whole
        document; generated a chunk at a time."""
        chunk = 5_000
        for start in range(0, request.total, chunk):
            yield from self.page(request, start, chunk)


class JsonPages(Style):
    """Indonesian JSON, pages by number with a page count: `?page=&per_page=` →
    `{"data": [...], "meta": {"page", "per_page", "total", "last_page"}}`. Prices as
    `"Rp1.950.000"`, times naive in the schedule's zone. API key in a header."""

    name = "json_pages"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/api/v1/pelatihan",
        "certificates": "/api/v1/sertifikat",
    }
    auth = "api_key_header"

    def answer(self, request: PageRequest) -> Answer:
        """A numbered page."""
        size = _int(request.query.get("per_page"), 100, 1, MAX_PAGE)
        page = _int(request.query.get("page"), 1, 1, 10**9)
        data = self.page(request, (page - 1) * size, size)
        last = max(1, -(-request.total // size))
        meta = {"page": page, "per_page": size, "total": request.total, "last_page": last}
        return _json({"data": data, "meta": meta})

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A course: `kode`, `judul`, `harga` "Rp…", `jadwal` with naive `mulai`/`selesai`."""
        return {
            "kode": c["external_id"],
            "judul": c["title"],
            "deskripsi": c["description"],
            "kategori": c["category"],
            "mode": _MODES_ID[c["delivery_mode"]],
            "durasi_jam": c["duration_hours"],
            "harga": f"Rp{_rp_dots(c['price_idr'])}",
            "kbji": c["occupation_codes"],
            "level_kkni": c["kkni_level"],
            "keahlian": ", ".join(c["skills"]),
            "status": "aktif",
            "tautan": c["url"],
            "jadwal": [
                {
                    "kode_jadwal": s["schedule_code"],
                    "mulai": _naive(s["starts_at"]),
                    "selesai": _naive(s["ends_at"]),
                    "zona": s["timezone"],
                    "lokasi": s["location"],
                    "kuota": s["quota"],
                }
                for s in c["schedules"]
            ],
        }

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A certificate, times naive in the provider's zone."""
        zone = partner.tzinfo
        return {
            "nomor_sertifikat": c["certificate_number"],
            "kode_pelatihan": c["course_external_id"],
            "kode_jadwal": c["schedule_code"],
            "peserta": {"nik": c["participant"]["nik"], "nama": c["participant"]["name"]},
            "kode_redeem": c["redeem_code"],
            "selesai_pada": _naive(_local(c["completed_at"], zone)),
            "terbit_pada": _naive(_local(c["issued_at"], zone)),
            "nilai": c["score"],
            "kehadiran": {
                "hadir": c["attendance"]["sessions_attended"],
                "total_sesi": c["attendance"]["sessions_total"],
            },
            "status": "terbit",
        }


_MODES_ID = {
    "self_paced": "daring",
    "webinar": "webinar",
    "offline": "luring",
    "blended": "campuran",
}
_MODES_EN = {
    "self_paced": "self-paced",
    "webinar": "webinar",
    "offline": "classroom",
    "blended": "hybrid",
}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(text.removeprefix("o:")))
    except ValueError:
        return -1


class JsonCursor(Style):
    """English JSON, pages chained by an opaque cursor: `?cursor=&limit=` →
    `{"items": [...], "next_cursor": "…" | null}`. Prices as numbers, times ISO 8601 with the
    schedule zone's offset. Bearer token."""

    name = "json_cursor"
    paths: ClassVar[dict[str, str]] = {"courses": "/v2/courses", "certificates": "/v2/completions"}
    auth = "bearer"

    def answer(self, request: PageRequest) -> Answer:
        """The page at the cursor."""
        size = _int(request.query.get("limit"), 50, 1, MAX_PAGE)
        start = _offset_of(request.query.get("cursor"))
        if start < 0:
            return Answer(400, b'{"error": "invalid cursor"}')
        data = self.page(request, start, size)
        after = start + len(data)
        return _json(
            {"items": data, "next_cursor": _cursor(after) if after < request.total else None}
        )

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A course in English, `sessions` with offset times."""
        return {
            "id": c["external_id"],
            "name": c["title"],
            "summary": c["description"],
            "category": c["category"],
            "delivery": _MODES_EN[c["delivery_mode"]],
            "hours": float(c["duration_hours"]),
            "price": c["price_idr"],
            "occupations": c["occupation_codes"],
            "level": c["kkni_level"],
            "skills": c["skills"],
            "active": True,
            "url": c["url"],
            "sessions": [
                {
                    "code": s["schedule_code"],
                    "start": s["starts_at"].isoformat(),
                    "end": s["ends_at"].isoformat(),
                    "tz": s["timezone"],
                    "venue": s["location"],
                    "capacity": s["quota"],
                }
                for s in c["schedules"]
            ],
        }

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A certificate, times with the provider zone's offset."""
        zone = partner.tzinfo
        return {
            "number": c["certificate_number"],
            "course_code": c["course_external_id"],
            "schedule_code": c["schedule_code"],
            "learner": {"nik": c["participant"]["nik"], "full_name": c["participant"]["name"]},
            "redeem_code": c["redeem_code"],
            "completed_at": _local(c["completed_at"], zone).isoformat(),
            "issued_at": _local(c["issued_at"], zone).isoformat(),
            "score": float(c["score"]),
            "attendance": {
                "attended": c["attendance"]["sessions_attended"],
                "sessions": c["attendance"]["sessions_total"],
            },
        }


class JsonOffsetOAuth(Style):
    """English JSON behind OAuth 2.0 client credentials, `?offset=&limit=` →
    `{"results": [...], "count": total}`. Prices as `"IDR 1,950,000"`, times in UTC (`Z`)."""

    name = "json_offset_oauth"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/api/courses",
        "certificates": "/api/certificates",
    }
    auth = "oauth2"

    def answer(self, request: PageRequest) -> Answer:
        """The page at the offset."""
        size = _int(request.query.get("limit"), 100, 1, MAX_PAGE)
        start = _int(request.query.get("offset"), 0, 0, 10**12)
        return _json({"results": self.page(request, start, size), "count": request.total})

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A course with `batches` in UTC."""
        return {
            "course_id": c["external_id"],
            "title": c["title"],
            "description": c["description"],
            "category": c["category"],
            "mode": c["delivery_mode"],
            "duration_hours": c["duration_hours"],
            "price_text": f"IDR {c['price_idr']:,}",
            "kbji": c["occupation_codes"],
            "kkni": c["kkni_level"],
            "skills": c["skills"],
            "status": "published",
            "url": c["url"],
            "batches": [
                {
                    "batch_code": s["schedule_code"],
                    "start_utc": _utc(s["starts_at"]),
                    "end_utc": _utc(s["ends_at"]),
                    "timezone": s["timezone"],
                    "city": s["location"],
                    "seats": s["quota"],
                }
                for s in c["schedules"]
            ],
        }

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A certificate, flat, in UTC."""
        return {
            "certificate_no": c["certificate_number"],
            "course_id": c["course_external_id"],
            "batch_code": c["schedule_code"],
            "participant": {"nik_ktp": c["participant"]["nik"], "name": c["participant"]["name"]},
            "voucher_code": c["redeem_code"],
            "completion_time": _utc(c["completed_at"]),
            "issue_time": _utc(c["issued_at"]),
            "final_score": c["score"],
            "sessions_attended": c["attendance"]["sessions_attended"],
            "sessions_total": c["attendance"]["sessions_total"],
        }


class JsonLinkHmac(Style):
    """Indonesian JSON signed like the Prakerja partner API (HMAC-SHA1), the body a bare array
    and the next page in an RFC 8288 `Link` header (`?halaman=&ukuran=`). Times as
    `dd/mm/yyyy HH:MM` (schedules with their `+hhmm` offset), booleans as `ya`/`tidak`."""

    name = "json_link_hmac"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/integrasi/pelatihan",
        "certificates": "/integrasi/kelulusan",
    }
    auth = "hmac"

    def answer(self, request: PageRequest) -> Answer:
        """A page, and a `Link` to the next one while there is one."""
        size = _int(request.query.get("ukuran"), 100, 1, MAX_PAGE)
        page = _int(request.query.get("halaman"), 1, 1, 10**9)
        data = self.page(request, (page - 1) * size, size)
        headers = {}
        if page * size < request.total:
            query = urlencode({"halaman": page + 1, "ukuran": size})
            headers["Link"] = f'<{request.url}?{query}>; rel="next"'
        return _json(data, headers)

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A course: `harga_rp` a number, `sesi` times as `dd/mm/yyyy HH:MM +hhmm`."""
        return {
            "kode_pelatihan": c["external_id"],
            "nama_pelatihan": c["title"],
            "ringkasan": c["description"],
            "bidang": c["category"],
            "metode": _MODES_ID[c["delivery_mode"]].capitalize(),
            "jumlah_jam": c["duration_hours"],
            "harga_rp": c["price_idr"],
            "kode_kbji": "|".join(c["occupation_codes"]),
            "jenjang_kkni": c["kkni_level"],
            "keterampilan": "|".join(c["skills"]),
            "aktif": "ya",
            "laman": c["url"],
            "sesi": [
                {
                    "kode": s["schedule_code"],
                    "tgl_mulai": s["starts_at"].strftime("%d/%m/%Y %H:%M %z"),
                    "tgl_selesai": s["ends_at"].strftime("%d/%m/%Y %H:%M %z"),
                    "zona_waktu": ZONE_ABBREVIATIONS[s["timezone"]],
                    "lokasi": s["location"],
                    "kapasitas": s["quota"],
                }
                for s in c["schedules"]
            ],
        }

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A certificate, times as `dd/mm/yyyy HH:MM` in the provider's zone."""
        zone = partner.tzinfo
        return {
            "no_sertifikat": c["certificate_number"],
            "kode_pelatihan": c["course_external_id"],
            "kode_sesi": c["schedule_code"],
            "nik": c["participant"]["nik"],
            "nama_peserta": c["participant"]["name"],
            "kode_voucher": c["redeem_code"],
            "tgl_selesai": _local(c["completed_at"], zone).strftime("%d/%m/%Y %H:%M"),
            "tgl_terbit": _local(c["issued_at"], zone).strftime("%d/%m/%Y %H:%M"),
            "nilai": c["score"],
            "jumlah_hadir": c["attendance"]["sessions_attended"],
            "jumlah_sesi": c["attendance"]["sessions_total"],
        }


class JsonNextUrl(Style):
    """camelCase JSON with the next page's full URL in the body (`links.next`), `?start=&size=`.
    Times in UTC with milliseconds. HTTP basic auth."""

    name = "json_next_url"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/rest/catalog/courses",
        "certificates": "/rest/certificates",
    }
    auth = "basic"

    def answer(self, request: PageRequest) -> Answer:
        """A page and the link to the next."""
        size = _int(request.query.get("size"), 100, 1, MAX_PAGE)
        start = _int(request.query.get("start"), 0, 0, 10**12)
        data = self.page(request, start, size)
        after = start + len(data)
        following = None
        if after < request.total:
            following = f"{request.url}?{urlencode({'start': after, 'size': size})}"
        return _json({"data": data, "links": {"self": request.url, "next": following}})

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A course in camelCase, upper-case enums."""
        return {
            "courseCode": c["external_id"],
            "courseTitle": c["title"],
            "description": c["description"],
            "category": c["category"],
            "deliveryMode": c["delivery_mode"].upper(),
            "durationHours": c["duration_hours"],
            "priceIdr": c["price_idr"],
            "kbjiCodes": c["occupation_codes"],
            "kkniLevel": c["kkni_level"],
            "skills": c["skills"],
            "status": "ACTIVE",
            "url": c["url"],
            "schedules": [
                {
                    "scheduleCode": s["schedule_code"],
                    "startTime": _utc(s["starts_at"], millis=True),
                    "endTime": _utc(s["ends_at"], millis=True),
                    "timeZone": s["timezone"],
                    "location": s["location"],
                    "quota": s["quota"],
                }
                for s in c["schedules"]
            ],
        }

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> dict[str, Any]:
        """A certificate in camelCase."""
        return {
            "certificateId": c["certificate_number"],
            "courseCode": c["course_external_id"],
            "scheduleCode": c["schedule_code"],
            "participant": {"nik": c["participant"]["nik"], "name": c["participant"]["name"]},
            "redeemCode": c["redeem_code"],
            "completedAt": _utc(c["completed_at"], millis=True),
            "issuedAt": _utc(c["issued_at"], millis=True),
            "score": c["score"],
            "attendance": {
                "attended": c["attendance"]["sessions_attended"],
                "total": c["attendance"]["sessions_total"],
            },
        }


class CsvExport(Style):
    """An Excel export in the Indonesian locale: one CSV document per stream, `;` separated,
    decimal comma, UTF-8 with a BOM, Indonesian headers. API key in the query. Courses are
    exported without their schedules."""

    name = "csv_export"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/ekspor/katalog.csv",
        "certificates": "/ekspor/kelulusan.csv",
    }
    auth = "api_key_query"
    HEADERS: ClassVar[dict[str, tuple[str, ...]]] = {
        "courses": (
            "Kode", "Judul", "Deskripsi", "Kategori", "Mode", "Durasi (jam)", "Harga", "KBJI",
            "Level KKNI", "Keahlian", "Status", "Tautan",
        ),
        "certificates": (
            "No Sertifikat", "Kode Kelas", "Kode Jadwal", "NIK", "Nama", "Kode Redeem",
            "Tanggal Selesai", "Tanggal Terbit", "Nilai", "Hadir", "Total Sesi",
        ),
    }  # fmt: skip

    def answer(self, request: PageRequest) -> Answer:
        """The whole export."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(self.HEADERS[request.stream])
        writer.writerows(self.every(request))
        body = b"\xef\xbb\xbf" + out.getvalue().encode()
        return Answer(200, body, content_type="text/csv; charset=utf-8")

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> tuple[Any, ...]:
        """A course row: `Durasi (jam)` as `20,0`, `Harga` as `1.950.000,00`."""
        return (
            c["external_id"],
            c["title"],
            c["description"],
            c["category"],
            _MODES_ID[c["delivery_mode"]].capitalize(),
            f"{c['duration_hours']},0",
            f"{_rp_dots(c['price_idr'])},00",
            "|".join(c["occupation_codes"]),
            c["kkni_level"],
            "|".join(c["skills"]),
            "Aktif",
            c["url"],
        )

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> tuple[Any, ...]:
        """A certificate row: times as `dd-mm-yyyy HH:MM` in the provider's zone, score with a
        decimal comma."""
        zone = partner.tzinfo
        return (
            c["certificate_number"],
            c["course_external_id"],
            c["schedule_code"],
            c["participant"]["nik"],
            c["participant"]["name"],
            c["redeem_code"],
            _local(c["completed_at"], zone).strftime("%d-%m-%Y %H:%M"),
            _local(c["issued_at"], zone).strftime("%d-%m-%Y %H:%M"),
            f"{c['score']},0",
            c["attendance"]["sessions_attended"],
            c["attendance"]["sessions_total"],
        )


class XmlFeed(Style):
    """A public XML feed, one document per stream: `<katalog><kursus kode="…">` with repeated
    `<jadwal>` children, times naive in the schedule's `<zona>`; certificates as
    `<kelulusan><sertifikat nomor="…">` with times carrying the zone's offset."""

    name = "xml_feed"
    paths: ClassVar[dict[str, str]] = {
        "courses": "/feed/katalog.xml",
        "certificates": "/feed/kelulusan.xml",
    }
    ROOTS: ClassVar[dict[str, str]] = {"courses": "katalog", "certificates": "kelulusan"}

    def answer(self, request: PageRequest) -> Answer:
        """The whole feed."""
        root = self.ROOTS[request.stream]
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} jumlah="{request.total}">']
        parts.extend(self.every(request))
        parts.append(f"</{root}>\n")
        return Answer(200, "".join(parts).encode(), content_type="application/xml")

    def convert_courses(self, partner: Partner, c: dict[str, Any]) -> str:
        """A `<kursus>` element."""
        schedules = "".join(
            f"<jadwal kode={quoteattr(s['schedule_code'])}>"
            f"<mulai>{s['starts_at']:%Y-%m-%dT%H:%M}</mulai>"
            f"<selesai>{s['ends_at']:%Y-%m-%dT%H:%M}</selesai>"
            f"<zona>{s['timezone']}</zona>"
            + (f"<lokasi>{escape(s['location'])}</lokasi>" if s["location"] else "<lokasi/>")
            + f"<kuota>{s['quota']}</kuota></jadwal>"
            for s in c["schedules"]
        )
        return (
            f"<kursus kode={quoteattr(c['external_id'])}>"
            f"<judul>{escape(c['title'])}</judul>"
            f"<deskripsi>{escape(c['description'])}</deskripsi>"
            f"<kategori>{escape(c['category'])}</kategori>"
            f"<mode>{_MODES_ID[c['delivery_mode']]}</mode>"
            f"<durasi>{c['duration_hours']}</durasi>"
            f"<harga>{c['price_idr']}</harga>"
            f"<kbji>{','.join(c['occupation_codes'])}</kbji>"
            f"<level_kkni>{c['kkni_level']}</level_kkni>"
            f"<keahlian>{escape(', '.join(c['skills']))}</keahlian>"
            f"<status>aktif</status>"
            f"<tautan>{escape(c['url'])}</tautan>"
            f"{schedules}</kursus>"
        )

    def convert_certificates(self, partner: Partner, c: dict[str, Any]) -> str:
        """A `<sertifikat>` element."""
        zone = partner.tzinfo
        attendance = c["attendance"]
        return (
            f"<sertifikat nomor={quoteattr(c['certificate_number'])}>"
            f"<kelas>{c['course_external_id']}</kelas>"
            f"<jadwal>{c['schedule_code']}</jadwal>"
            f"<peserta><nik>{c['participant']['nik']}</nik>"
            f"<nama>{escape(c['participant']['name'])}</nama></peserta>"
            f"<redeem>{c['redeem_code']}</redeem>"
            f"<selesai>{_local(c['completed_at'], zone).isoformat()}</selesai>"
            f"<terbit>{_local(c['issued_at'], zone).isoformat()}</terbit>"
            f"<nilai>{c['score']}</nilai>"
            f'<kehadiran hadir="{attendance["sessions_attended"]}"'
            f' total="{attendance["sessions_total"]}"/>'
            f"</sertifikat>"
        )


_SNAP_STATUS = {"succeeded": "00", "pending": "03", "failed": "06"}
_SNAP_TYPES = {"purchase": "PAYMENT", "disbursement": "TRANSFER", "refund": "REFUND"}


def _snap_amount(amount: int) -> dict[str, str]:
    return {"value": f"{amount}.00", "currency": "IDR"}


class SnapBank(Style):
    """A bank in the SNAP BI style: `POST` with `{"pageNumber", "pageSize"}` in the body, a
    7-digit `responseCode`, amounts as `{"value": "600000.00", "currency": "IDR"}`, times with
    `+07:00`. OAuth 2.0 client credentials (secret in the token request's body)."""

    name = "snap_bank"
    paths: ClassVar[dict[str, str]] = {"payments": "/v1.0/transfer/history-list"}
    method = "POST"
    auth = "oauth2"

    def answer(self, request: PageRequest) -> Answer:
        """A page of the transaction history."""
        size = _int(request.body.get("pageSize"), 100, 1, MAX_PAGE)
        page = _int(request.body.get("pageNumber"), 1, 1, 10**9)
        data = self.page(request, (page - 1) * size, size)
        return _json(
            {
                "responseCode": "2001200",
                "responseMessage": "Successful",
                "pageNumber": page,
                "totalPage": max(1, -(-request.total // size)),
                "detailData": data,
            }
        )

    def convert_payments(self, partner: Partner, p: dict[str, Any]) -> dict[str, Any]:
        """A transaction: SNAP amounts and status codes, personal data in `additionalInfo`."""
        wib = partner.tzinfo
        return {
            "partnerReferenceNo": p["external_id"],
            "transactionType": _SNAP_TYPES[p["type"]],
            "amount": _snap_amount(p["amount_idr"]),
            "feeAmount": _snap_amount(p["fee_idr"]),
            "latestTransactionStatus": _SNAP_STATUS[p["status"]],
            "transactionDate": _local(p["occurred_at"], wib).isoformat(),
            "settlementDate": _local(p["settled_at"], wib).isoformat() if p["settled_at"] else None,
            "additionalInfo": {
                "nik": p["participant"]["nik"],
                "customerName": p["participant"]["name"],
                "invoiceCode": p["invoice_code"],
                "transactionCode": p["transaction_code"],
                "redeemCode": p["redeem_code"],
            },
        }


class EWallet(Style):
    """An e-wallet: `GET ?cursor=&limit=` → `{"responseCode": "2003800", "data":
    {"transactions": [...], "nextCursor"}}`, SNAP amounts, UTC times, the customer's phone as
    `62…`. API key in the `X-CLIENT-KEY` header."""

    name = "ewallet"
    paths: ClassVar[dict[str, str]] = {"payments": "/v1/transactions"}
    auth = "api_key_header"
    key_header = "X-CLIENT-KEY"

    def answer(self, request: PageRequest) -> Answer:
        """The page at the cursor."""
        size = _int(request.query.get("limit"), 100, 1, MAX_PAGE)
        start = _offset_of(request.query.get("cursor"))
        if start < 0:
            return Answer(400, b'{"responseCode": "4003802", "responseMessage": "Invalid cursor"}')
        data = self.page(request, start, size)
        after = start + len(data)
        next_cursor = _cursor(after) if after < request.total else None
        return _json(
            {
                "responseCode": "2003800",
                "responseMessage": "Successful",
                "data": {"transactions": data, "nextCursor": next_cursor},
            }
        )

    def convert_payments(self, partner: Partner, p: dict[str, Any]) -> dict[str, Any]:
        """A wallet transaction."""
        return {
            "transactionId": p["external_id"],
            "type": {"purchase": "PAYMENT", "disbursement": "TOPUP", "refund": "REFUND"}[p["type"]],
            "amount": _snap_amount(p["amount_idr"]),
            "fee": _snap_amount(p["fee_idr"]),
            "status": {"succeeded": "SUCCESS", "pending": "PENDING", "failed": "FAILED"}[
                p["status"]
            ],
            "customer": {
                "nik": p["participant"]["nik"],
                "name": p["participant"]["name"],
                "phoneNo": p["phone"],
            },
            "invoiceCode": p["invoice_code"],
            "transactionCode": p["transaction_code"],
            "redeemCode": p["redeem_code"],
            "createdTime": _utc(p["occurred_at"]),
            "settledTime": _utc(p["settled_at"]) if p["settled_at"] else None,
        }


STYLES: dict[str, Style] = {
    style.name: style
    for style in (
        JsonPages(),
        JsonCursor(),
        JsonOffsetOAuth(),
        JsonLinkHmac(),
        JsonNextUrl(),
        CsvExport(),
        XmlFeed(),
        SnapBank(),
        EWallet(),
    )
}
