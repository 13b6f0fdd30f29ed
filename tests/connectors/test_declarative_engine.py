"""The declarative engine beyond plain JSON pages: each auth method, pagination scheme and source
format, incremental lookback, skip rules, schema drift, and definition files."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from connectors import Checkpoint, Notice, each_record
from connectors.auth import HmacSigningAuth, OAuth2ClientCredentialsAuth
from connectors.declarative import DeclarativeConnector
from connectors.definition_files import (
    SCHEMA_FILE,
    DefinitionError,
    load_definition,
    parse_definition,
    schema_text,
)
from connectors.errors import PaginationLoopError, SourceFormatError
from connectors.http import HttpClient
from connectors.registry import load_config

BASE = "https://lpk.example.id"
MAPPING = {"external_id": "kode", "title": "judul"}
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config/connectors"


def definition(auth: dict[str, Any] | None = None, **stream: Any) -> dict[str, Any]:
    spec = {"entity": "course", "path": "/kursus", "records_path": "data", "mapping": MAPPING}
    spec.update(stream)
    raw = {"base_url": BASE, "auth": auth or {"type": "none"}, "streams": {"courses": spec}}
    return load_config(DeclarativeConnector, raw)


def read(config: dict[str, Any], state: Any = None, http: HttpClient | None = None) -> list[Any]:
    connector = DeclarativeConnector(http or HttpClient(max_retries=0))
    out: list[Any] = []
    for item in each_record(connector.read(config, "courses", state)):
        if isinstance(item, Checkpoint):
            out.append(item.state)
        elif isinstance(item, Notice):
            out.append((item.code, item.count))
        else:
            out.append(item.get("kode", item.get("Kode")))
    return out


# -- authentication ------------------------------------------------------------------------


def test_hmac_signing_reproduces_the_published_prakerja_vector() -> None:
    auth = HmacSigningAuth(
        key="my_sign_key",
        algorithm="sha1",
        message="{client_code}{timestamp}{method}{path}{body}",
        values={"client_code": "myclient_code"},
        headers={
            "X-Client-Code": "{client_code}",
            "X-Timestamp": "{timestamp}",
            "X-Signature": "{signature}",
        },
        clock=lambda: 1516239022,
    )
    import requests

    request = requests.Request(
        "POST",
        "https://api.example.id/api/v1/integration/payment/redeem-code/commit",
        data=b'{"redeem_code":"code"}',
    ).prepare()

    signed = auth(request)

    assert signed.headers["X-Signature"] == "943c20a8e36b6243f576404b00fffdc86411ce1f"
    assert signed.headers["X-Timestamp"] == "1516239022"
    assert signed.headers["X-Client-Code"] == "myclient_code"
    assert "my_sign_key" not in repr(auth)


@responses.activate
def test_a_signed_post_signs_the_exact_body_it_sends() -> None:
    seen: list[Any] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append(request)
        return 200, {}, '{"data": [{"kode": "C1", "judul": "A"}]}'

    responses.add_callback(responses.POST, f"{BASE}/kursus", callback=answer)
    auth = {
        "type": "hmac",
        "key": "k",
        "algorithm": "sha256",
        "encoding": "base64",
        "message": "{method}{path}{body}",
        "headers": {"X-Signature": "{signature}"},
    }
    config = definition(auth, method="POST", body={"status": "aktif"}, send_params_in="body")

    assert read(config) == ["C1", {}]
    import hashlib
    import hmac

    body = seen[0].body
    expected = hmac.new(b"k", b"POST/kursus" + body, hashlib.sha256).digest()
    assert seen[0].headers["X-Signature"] == base64.b64encode(expected).decode()
    assert body == b'{"status":"aktif"}'


def test_an_hmac_template_with_an_unknown_variable_is_refused() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(
            "base_url: https://x.example\nauth: {type: hmac, key: k, message: '{nonce}', "
            "headers: {X-Sig: '{signature}'}}\nstreams: {c: {entity: course, path: /c, "
            "mapping: {external_id: a}}}\n"
        )
    assert "auth.message" in caught.value.errors
    assert "nonce" in str(caught.value)


@responses.activate
def test_api_key_in_the_query_and_basic_auth_are_sent() -> None:
    responses.get(
        f"{BASE}/kursus",
        json={"data": []},
        match=[matchers.query_param_matcher({"api_key": "s3cret"})],
    )
    assert read(
        definition({"type": "api_key", "in": "query", "name": "api_key", "key": "s3cret"})
    ) == [{}]
    responses.get(
        f"{BASE}/kursus",
        json={"data": []},
        match=[
            matchers.header_matcher(
                {"Authorization": "Basic " + base64.b64encode(b"hub:pw").decode()}
            )
        ],
    )
    assert read(definition({"type": "basic", "username": "hub", "password": "pw"})) == [{}]


@responses.activate
def test_credentials_are_not_forwarded_on_a_redirect_to_another_host() -> None:
    responses.get(
        f"{BASE}/kursus", status=302, headers={"Location": "https://cdn.example.net/k.json"}
    )
    responses.get("https://cdn.example.net/k.json", json={"data": [{"kode": "C1", "judul": "A"}]})

    assert read(definition({"type": "api_key", "name": "X-API-Key", "key": "s3cret"})) == ["C1", {}]

    assert responses.calls[0].request.headers["X-API-Key"] == "s3cret"
    assert "X-API-Key" not in responses.calls[1].request.headers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@responses.activate
def test_an_oauth_token_is_renewed_before_it_expires() -> None:
    tokens = iter(["t1", "t2"])
    responses.add_callback(
        responses.POST,
        "https://auth.example.id/token",
        callback=lambda request: (
            200,
            {},
            f'{{"access_token": "{next(tokens)}", "token_type": "Bearer", "expires_in": 300}}',
        ),
    )
    clock = Clock()
    auth = OAuth2ClientCredentialsAuth(
        token_url="https://auth.example.id/token", client_id="hub", client_secret="s", clock=clock
    )

    assert auth.access_token() == "t1"
    clock.now += 200
    assert auth.access_token() == "t1"  # 100 s left, more than the 60 s leeway
    clock.now += 50
    assert auth.access_token() == "t2"  # 50 s left: renewed
    assert len(responses.calls) == 2
    form = responses.calls[0].request.body
    assert isinstance(form, str)  # requests encodes a dict of form fields as text
    assert "grant_type=client_credentials" in form


@responses.activate
def test_threads_needing_a_token_at_once_cause_one_fetch() -> None:
    entered = threading.Event()
    release = threading.Event()

    def slow_token(request: Any) -> tuple[int, dict[str, str], str]:
        entered.set()
        release.wait(5)
        return 200, {}, '{"access_token": "t", "token_type": "Bearer", "expires_in": 300}'

    responses.add_callback(responses.POST, "https://auth.example.id/token", callback=slow_token)
    auth = OAuth2ClientCredentialsAuth(
        token_url="https://auth.example.id/token", client_id="hub", client_secret="s"
    )
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(auth.access_token())) for _ in range(4)]
    threads[0].start()
    entered.wait(5)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)

    assert got == ["t"] * 4
    assert len(responses.calls) == 1


# -- pagination ----------------------------------------------------------------------------


def page(*codes: str, **extra: Any) -> dict[str, Any]:
    return {"data": [{"kode": code, "judul": code} for code in codes], **extra}


@responses.activate
def test_offset_pages_advance_by_the_records_received() -> None:
    for offset, body in ((0, page("a", "b")), (2, page("c")), (3, page())):
        responses.get(
            f"{BASE}/kursus",
            json=body,
            match=[matchers.query_param_matcher({"offset": str(offset), "limit": "2"})],
        )
    config = definition(pagination={"type": "offset", "limit": 2})

    assert read(config) == ["a", "b", {"offset": 2}, "c", {"offset": 3}, {}]


@responses.activate
def test_a_total_count_ends_the_walk_without_an_extra_request() -> None:
    responses.get(
        f"{BASE}/kursus",
        json=page("a", "b", total=3),
        match=[matchers.query_param_matcher({"offset": "0", "limit": "2"})],
    )
    responses.get(
        f"{BASE}/kursus",
        json=page("c", total=3),
        match=[matchers.query_param_matcher({"offset": "2", "limit": "2"})],
    )
    config = definition(pagination={"type": "offset", "limit": 2, "stop": {"total_path": "total"}})

    assert read(config) == ["a", "b", {"offset": 2}, "c", {}]


@responses.activate
def test_a_page_that_starts_like_the_page_before_but_differs_later_is_read_on() -> None:
    # The walk keeps the page before as its JSON bytes; this one is decoded again and compared.
    for number, body in ((1, page("a", "b")), (2, page("a", "c")), (3, page())):
        responses.get(
            f"{BASE}/kursus",
            json=body,
            match=[matchers.query_param_matcher({"page": str(number), "per_page": "2"})],
        )
    config = definition(pagination={"type": "page_number", "page_size": 2})

    assert read(config) == ["a", "b", {"page": 2}, "a", "c", {"page": 3}, {}]


@responses.activate
def test_a_has_more_flag_ends_a_page_number_walk() -> None:
    responses.get(f"{BASE}/kursus", json=page("a", has_more=False))
    config = definition(
        pagination={"type": "page_number", "page_size": 1, "stop": {"has_more_path": "has_more"}}
    )

    assert read(config) == ["a", {}]


@responses.activate
def test_next_urls_are_followed_and_a_repeated_one_is_a_loop() -> None:
    responses.get(f"{BASE}/kursus", json=page("a", links={"next": f"{BASE}/kursus?p=2"}))
    responses.get(f"{BASE}/kursus?p=2", json=page("b", links={"next": f"{BASE}/kursus?p=2"}))
    config = definition(pagination={"type": "next_url", "next_url_path": "links.next"})

    with pytest.raises(PaginationLoopError) as caught:
        read(config)
    assert caught.value.code == "pagination_loop"


@responses.activate
def test_link_headers_chain_pages() -> None:
    responses.get(
        f"{BASE}/kursus", json=page("a"), headers={"Link": f'<{BASE}/kursus?page=2>; rel="next"'}
    )
    responses.get(f"{BASE}/kursus?page=2", json=page("b"))
    config = definition(pagination={"type": "link_header"})

    assert read(config) == ["a", {"next_url": f"{BASE}/kursus?page=2"}, "b", {}]


# -- incremental, skip, drift --------------------------------------------------------------


@responses.activate
def test_an_incremental_read_steps_back_by_the_lookback() -> None:
    responses.get(
        f"{BASE}/kursus",
        json={"data": [{"kode": "a", "judul": "A", "diubah": "2024-05-01T11:00:00Z"}]},
        match=[matchers.query_param_matcher({"since": "2024-05-01T09:00:00Z"})],
    )
    config = definition(
        incremental={"cursor_field": "diubah", "param": "since", "lookback": "PT1H"}
    )

    assert read(config, {"since": "2024-05-01T10:00:00Z"}) == [
        "a",
        {"since": "2024-05-01T11:00:00Z"},
    ]


@responses.activate
def test_skipped_records_are_counted_not_delivered() -> None:
    responses.get(
        f"{BASE}/kursus",
        json={
            "data": [
                {"kode": "a", "judul": "A", "status": "draf"},
                {"kode": "b", "judul": "B", "status": "aktif"},
            ]
        },
    )
    config = definition(skip=[{"path": "status", "equals": "draf"}])

    assert read(config) == ["b", ("skipped", 1), {}]


@responses.activate
def test_a_vanished_field_gives_one_schema_drift_notice() -> None:
    responses.get(f"{BASE}/kursus", json={"data": [{"kode": "a", "nama_kursus": "A"}]})
    connector = DeclarativeConnector(HttpClient(max_retries=0))

    notices = [
        i
        for i in each_record(connector.read(definition(), "courses", None))
        if isinstance(i, Notice)
    ]

    assert [n.code for n in notices] == ["schema_drift"]
    assert "'judul' (for title)" in notices[0].message
    assert "nama_kursus" in notices[0].message


PAGE = [{"kode": "a", "judul": "A", "diubah": "2026-01-01T00:00:00Z"}] * 2


@responses.activate
@pytest.mark.parametrize(
    ("rules", "body", "handed_on"),
    [
        ({}, {"data": PAGE}, ["EncodedRecords"]),
        ({"records_path": "data.0"}, {"data": [PAGE]}, ["dict", "dict"]),
        ({"skip": [{"path": "status", "equals": "draf"}]}, {"data": PAGE}, ["dict", "dict"]),
        (
            {"incremental": {"cursor_field": "diubah", "param": "since"}},
            {"data": PAGE},
            ["dict"] * 2,
        ),
    ],
    ids=["plain", "indexed-path", "skip-rules", "incremental"],
)
def test_a_json_page_is_handed_on_undecoded_unless_a_rule_reads_every_record(
    rules: dict[str, Any], body: Any, handed_on: list[str]
) -> None:
    responses.get(f"{BASE}/kursus", json=body)
    connector = DeclarativeConnector(HttpClient(max_retries=0))

    read = [i for i in connector.read(definition(**rules), "courses", None)]

    records = [i for i in read if not isinstance(i, Checkpoint | Notice)]
    assert [type(i).__name__ for i in records] == handed_on
    assert list(each_record(records)) == PAGE


@responses.activate
@pytest.mark.parametrize(
    "rules", [{}, {"skip": [{"path": "status", "equals": "draf"}]}], ids=["split", "decoded"]
)
def test_a_page_escaping_lone_surrogates_is_read_with_them_replaced_and_noted(
    rules: dict[str, Any],
) -> None:
    # A source that cut "Kelas 🚀" between the emoji's halves, then serialized it.
    records = '{"kode": "a", "judul": "Kelas \\ud83d"}, {"kode": "b", "judul": "\\ud83d\\ude80"}'
    body = f'{{"data": [{records}]}}'
    responses.get(f"{BASE}/kursus", body=body, content_type="application/json")
    connector = DeclarativeConnector(HttpClient(max_retries=0))

    read = list(each_record(connector.read(definition(**rules), "courses", None)))

    assert [r["judul"] for r in read if isinstance(r, dict)] == ["Kelas \ufffd", "🚀"]
    notices = [i for i in read if isinstance(i, Notice)]
    assert [(n.code, n.count) for n in notices] == [("repaired_text", 1)]
    assert "U+FFFD" in notices[0].message


@responses.activate
def test_a_page_broken_otherwise_still_fails_though_it_escapes_a_lone_surrogate() -> None:
    body = '{"data": [{"kode": "a", "judul": "Kelas \\ud83d"}, {"kode": "b", "judul": "Tru'
    responses.get(f"{BASE}/kursus", body=body, content_type="application/json")

    with pytest.raises(SourceFormatError, match="not valid JSON"):
        read(definition())


# -- CSV and XML ---------------------------------------------------------------------------


CSV_MAPPING = {
    "external_id": {"path": ["Kode", "Code"]},
    "title": {"path": ["Judul", "Title"]},
    "price_idr": {"path": ["Harga", "Price"], "transform": "rupiah"},
    "duration_hours": {"path": ["Durasi", "Duration"], "transform": "number"},
}


def csv_definition(path: Path, **fmt: Any) -> dict[str, Any]:
    raw = {
        "streams": {
            "courses": {
                "entity": "course",
                "file": str(path),
                "format": {"type": "csv", **fmt},
                "mapping": CSV_MAPPING,
            }
        }
    }
    return load_config(DeclarativeConnector, raw)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Kode;Judul;Harga;Durasi\nC1;Kursus Kopi Gayo;Rp1.950.000;15,5\n", "cp1252"),
        ('\ufeffCode,Title,Price,Duration\nC1,Kursus Kopi Gayo,"1.950.000,00","15,5"\n', "utf-8"),
        ("Kode\tJudul\tHarga\tDurasi\r\nC1\tKursus Kopi Gayo\t1950000\t15,5\r\n", "utf-8"),
    ],
    ids=["cp1252-semicolon-indonesian", "utf8-bom-comma-english", "tab-crlf"],
)
def test_csv_exports_map_whatever_their_encoding_delimiter_and_header_language(
    tmp_path: Path, text: str, encoding: str
) -> None:
    path = tmp_path / "katalog.csv"
    path.write_bytes(text.encode(encoding))
    config = csv_definition(path)
    connector = DeclarativeConnector()

    records = [
        i for i in each_record(connector.read(config, "courses", None)) if isinstance(i, dict)
    ]
    mapped = [connector.mapper(config, "courses")(record) for record in records]

    assert mapped == [
        {
            "external_id": "C1",
            "title": "Kursus Kopi Gayo",
            "price_idr": 1950000,
            "duration_hours": 15.5,
        }
    ]


def test_a_csv_read_checkpoints_and_resumes_by_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k.csv"
    path.write_text("Kode;Judul\n" + "".join(f"C{i};J{i}\n" for i in range(2500)))
    config = csv_definition(path)

    items = read(config)
    # The header has no price or duration column: one drift notice first, then the records.
    assert items[0] == ("schema_drift", 1)
    assert items[1001] == {"offset": 1000}
    assert items[2002] == {"offset": 2000}
    assert items[-1] == {}
    assert read(config, {"offset": 2400})[1:3] == ["C2400", "C2401"]


XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<katalog xmlns="urn:lpk">
  <kursus kode="C1"><judul>Barista</judul><jadwal kode="J1"><kuota>40</kuota></jadwal></kursus>
  <kursus kode="C2"><judul>Menjahit</judul></kursus>
</katalog>"""


@responses.activate
def test_an_xml_feed_yields_one_record_per_element() -> None:
    responses.get(f"{BASE}/feed.xml", body=XML, content_type="application/xml")
    config = definition(
        path="/feed.xml",
        format={"type": "xml", "force_list": ["jadwal"]},
        records_path="katalog.kursus",
        mapping={"external_id": "@kode", "title": "judul"},
    )
    connector = DeclarativeConnector(HttpClient(max_retries=0))

    records = [
        i for i in each_record(connector.read(config, "courses", None)) if isinstance(i, dict)
    ]

    assert records == [
        {"@kode": "C1", "judul": "Barista", "jadwal": [{"@kode": "J1", "kuota": "40"}]},
        {"@kode": "C2", "judul": "Menjahit"},
    ]


@responses.activate
def test_an_xml_bomb_is_refused_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<katalog><kursus><judul>&c;</judul></kursus></katalog>"
    )
    responses.get(f"{BASE}/feed.xml", body=bomb)
    config = definition(path="/feed.xml", format={"type": "xml"}, records_path="katalog.kursus")

    with pytest.raises(SourceFormatError, match="DTDForbidden"):
        read(config)


# -- definition files ----------------------------------------------------------------------


def test_a_mistake_is_reported_at_its_line_and_column_and_json_path() -> None:
    text = (
        "base_url: https://x.example\n"
        "streams:\n"
        "  courses:\n"
        "    entity: course\n"
        "    path: /c\n"
        "    pagnation: {type: none}\n"
        "    mapping:\n"
        "      external_id: kode\n"
        "      participant.nik: nik\n"
        "      harga_kursus: harga\n"
    )
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)

    found = {problem.path: (problem.line, problem.column) for problem in caught.value.problems}
    assert found["streams.courses.pagnation"] == (6, 5)


def test_a_mapping_target_the_common_schema_lacks_is_refused() -> None:
    text = (
        "base_url: https://x.example\nstreams:\n  courses:\n    entity: course\n    path: /c\n"
        "    mapping:\n      external_id: kode\n      harga_kursus: harga\n"
    )
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)

    [problem] = caught.value.problems
    assert problem.path == "streams.courses.mapping.harga_kursus"
    assert (problem.line, problem.column) == (8, 7)
    assert "no field 'harga_kursus'" in problem.message


def test_a_definition_file_that_is_not_utf8_is_refused_at_its_first_bad_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lpk.yaml"
    path.write_bytes(b"base_url: https://x.example\nstreams:\n  kurs\xe9s: {}\n")

    with pytest.raises(DefinitionError) as caught:
        load_definition(path)

    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column) == ("(file)", 3, 7)
    assert problem.message == "Not UTF-8 text."


def test_the_published_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "run: hub connectors schema --output config/connectors/definition.schema.json"
    )


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_definition_is_valid(path: Path) -> None:
    assert load_definition(path)["streams"]
