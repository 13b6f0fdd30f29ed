"""The sandbox over HTTP: each partner's credentials, the faults it injects, its control API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from hub.sandbox.population import Partner, World, build_world
from hub.sandbox.server import Sandbox, prakerja_signature, serve_sandbox

WORLD = build_world(seed=3, scale=12_000)


def first(world: World, style: str) -> Partner:
    """The first partner of a style."""
    return next(p for p in world.partners if p.style == style)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Sandbox:
    return Sandbox(WORLD, token_ttl=60, clock=clock)


@pytest.fixture
def url(sandbox: Sandbox) -> Iterator[str]:
    with serve_sandbox(sandbox) as base_url:
        yield base_url


def test_the_prakerja_signature_matches_the_published_vector() -> None:
    signature = prakerja_signature(
        "my_sign_key",
        "myclient_code",
        "1516239022",
        "POST",
        "/api/v1/integration/payment/redeem-code/commit",
        b'{"redeem_code":"code"}',
    )
    assert signature == "943c20a8e36b6243f576404b00fffdc86411ce1f"


def test_a_signed_request_passes_and_a_wrong_or_stale_signature_is_refused(
    url: str, clock: Clock
) -> None:
    partner = first(WORLD, "json_link_hmac")
    keys = partner.secrets
    path = f"/{partner.code}/integrasi/pelatihan"

    def signed(stamp: int, key: str) -> requests.Response:
        signature = prakerja_signature(key, keys["client_code"], str(stamp), "GET", path, b"")
        headers = {
            "X-Client-Code": keys["client_code"],
            "X-Timestamp": str(stamp),
            "X-Signature": signature,
        }
        return requests.get(f"{url}{path}", headers=headers, timeout=5)

    good = signed(int(clock.now), keys["sign_key"])
    assert good.status_code == 200
    assert len(good.json()) == min(100, partner.courses)
    assert signed(int(clock.now), "not the key").status_code == 401
    assert signed(int(clock.now) - 3600, keys["sign_key"]).status_code == 401


def test_an_oauth_token_opens_the_api_until_it_expires(url: str, clock: Clock) -> None:
    partner = first(WORLD, "json_offset_oauth")
    keys = partner.secrets
    token_url = f"{url}/{partner.code}/oauth/token"
    refused = requests.post(
        token_url, data={"grant_type": "client_credentials"}, auth=("x", "y"), timeout=5
    )
    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_client"}
    answer = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=(keys["client_id"], keys["client_secret"]),
        timeout=5,
    ).json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 60
    api = f"{url}/{partner.code}/api/courses"
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    page = requests.get(api, headers=bearer, timeout=5)
    assert page.status_code == 200
    assert page.json()["count"] == partner.courses
    clock.now += 61
    assert requests.get(api, headers=bearer, timeout=5).status_code == 401
    other = first(WORLD, "snap_bank")
    assert (
        requests.post(
            f"{url}/{other.code}/v1.0/transfer/history-list", headers=bearer, timeout=5
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("style", "path", "credentials"),
    [
        ("json_pages", "/api/v1/pelatihan", lambda k: {"headers": {"X-API-Key": k["api_key"]}}),
        (
            "json_cursor",
            "/v2/courses",
            lambda k: {"headers": {"Authorization": f"Bearer {k['token']}"}},
        ),
        (
            "json_next_url",
            "/rest/catalog/courses",
            lambda k: {"auth": (k["username"], k["password"])},
        ),
        ("csv_export", "/ekspor/katalog.csv", lambda k: {"params": {"apikey": k["api_key"]}}),
        ("ewallet", "/v1/transactions", lambda k: {"headers": {"X-CLIENT-KEY": k["api_key"]}}),
    ],
)
def test_each_partner_wants_its_own_credentials(
    url: str, style: str, path: str, credentials: Callable[[dict[str, str]], dict[str, Any]]
) -> None:
    partner = first(WORLD, style)
    target = f"{url}/{partner.code}{path}"
    assert requests.get(target, timeout=5).status_code == 401
    stranger = next(p for p in WORLD.partners if p.style == style and p != partner)
    assert requests.get(target, timeout=5, **credentials(stranger.secrets)).status_code == 401
    assert requests.get(target, timeout=5, **credentials(partner.secrets)).status_code == 200


def test_rate_limits_and_server_errors_clear_after_their_count(url: str) -> None:
    partner = first(WORLD, "json_pages")
    plan = f"429:1:7@{partner.code},5xx:2@{partner.code}"
    requests.post(f"{url}/_sandbox/faults", json={"faults": plan}, timeout=5)
    target = f"{url}/{partner.code}/api/v1/pelatihan"
    headers = {"X-API-Key": partner.secrets["api_key"]}
    limited = requests.get(target, headers=headers, timeout=5)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert [requests.get(target, headers=headers, timeout=5).status_code for _ in range(3)] == [
        503,
        503,
        200,
    ]
    # Another page has its own count; another partner is not affected.
    assert requests.get(target, params={"page": 2}, headers=headers, timeout=5).status_code == 429
    other = next(p for p in WORLD.partners if p.style == "json_pages" and p != partner)
    fine = requests.get(
        f"{url}/{other.code}/api/v1/pelatihan",
        headers={"X-API-Key": other.secrets["api_key"]},
        timeout=5,
    )
    assert fine.status_code == 200


def test_a_dropped_connection_cuts_the_page_short(url: str) -> None:
    partner = first(WORLD, "json_pages")
    requests.post(f"{url}/_sandbox/faults", json={"faults": "drop:1"}, timeout=5)
    target = f"{url}/{partner.code}/api/v1/pelatihan"
    headers = {"X-API-Key": partner.secrets["api_key"]}
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(target, headers=headers, timeout=5)
    assert requests.get(target, headers=headers, timeout=5).status_code == 200


def test_a_slow_partner_answers_late(url: str) -> None:
    partner = first(WORLD, "json_pages")
    requests.post(f"{url}/_sandbox/faults", json={"faults": f"slow:300@{partner.code}"}, timeout=5)
    target = f"{url}/{partner.code}/api/v1/pelatihan"
    with pytest.raises(requests.Timeout):
        requests.get(target, headers={"X-API-Key": partner.secrets["api_key"]}, timeout=(5, 0.1))


def test_a_bad_fault_plan_is_refused_with_the_rule(url: str) -> None:
    answer = requests.post(f"{url}/_sandbox/faults", json={"faults": "teapot:3"}, timeout=5)
    assert answer.status_code == 422
    assert "kind must be one of 429, 5xx, drop, slow" in answer.json()["error"]
    assert requests.get(f"{url}/_sandbox/faults", timeout=5).json() == {"faults": []}


def test_the_control_api_lists_partners_and_switches_the_catalog_version(url: str) -> None:
    partners = requests.get(f"{url}/_sandbox/partners", timeout=5).json()
    assert len(partners) == 185
    assert partners[0]["base_url"] == f"{url}/{partners[0]['code']}"
    before = requests.get(f"{url}/_sandbox/expected", timeout=5).json()
    assert before["version"] == 1
    assert (
        requests.post(f"{url}/_sandbox/catalog", json={"version": 3}, timeout=5).status_code == 422
    )
    assert requests.post(f"{url}/_sandbox/catalog", json={"version": 2}, timeout=5).json() == {
        "version": 2
    }
    after = requests.get(f"{url}/_sandbox/expected", timeout=5).json()
    changes = requests.get(f"{url}/_sandbox/changes", timeout=5).json()
    code = partners[0]["code"]
    mine = changes[code]
    assert after["counts"][code]["courses"] == (
        before["counts"][code]["courses"] + len(mine["created"]) - len(mine["deleted"])
    )
