"""HttpClient: which faults it retries, how long it waits, and how it classifies the rest."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

import orjson
import pytest
import requests
import responses

from connectors.errors import (
    AuthenticationError,
    ClientRequestError,
    RateLimitedError,
    SourceFormatError,
    SourceTimeoutError,
    SourceUnavailableError,
)
from connectors.http import HttpClient
from hub.sandbox.serving import serve_in_thread

URL = "https://partner.example.id/api/courses"


def test_a_success_is_returned_without_waiting(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, json={"ok": True})

    assert http.get_json(URL) == {"ok": True}
    assert delays == []


def test_429_waits_the_seconds_of_retry_after_then_succeeds(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, status=429, headers={"Retry-After": "7"})
    partner.get(URL, json=[1])

    assert http.get_json(URL) == [1]
    assert delays == [7.0]


def test_503_waits_until_the_http_date_of_retry_after(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, status=503, headers={"Retry-After": formatdate(time.time() + 30, usegmt=True)})
    partner.get(URL, json=[1])

    assert http.get_json(URL) == [1]
    assert len(delays) == 1
    assert 28 <= delays[0] <= 30


def test_503_without_retry_after_backs_off_then_succeeds(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, status=503)
    partner.get(URL, json=[1])

    assert http.get_json(URL) == [1]
    assert delays == [0.5]


def test_a_read_timeout_is_retried(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    partner.get(URL, json=[1])

    assert http.get_json(URL) == [1]
    assert delays == [0.5]


def test_500_forever_gives_up_after_max_retries_with_growing_delays(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, status=500)

    with pytest.raises(SourceUnavailableError) as caught:
        http.get_json(URL)

    assert len(partner.calls) == 1 + http.max_retries
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert caught.value.code == "source_unavailable"
    assert (
        str(caught.value) == f"GET {URL}: HTTP 500 Internal Server Error; gave up after 6 attempts"
    )


def test_backoff_stops_growing_at_backoff_max(
    partner: responses.RequestsMock,
    make_http: Callable[..., HttpClient],
    delays: list[float],
) -> None:
    partner.get(URL, status=502)

    with pytest.raises(SourceUnavailableError):
        make_http(backoff_max=3.0).get_json(URL)

    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_draws_each_delay_below_its_cap(
    partner: responses.RequestsMock,
    make_http: Callable[..., HttpClient],
    delays: list[float],
) -> None:
    partner.get(URL, status=500)

    with pytest.raises(SourceUnavailableError):
        make_http(rng=random.Random(2020), max_retries=8).get_json(URL)

    caps = [min(30.0, 0.5 * 2**retry) for retry in range(8)]
    assert len(delays) == 8
    assert all(0 <= delay <= cap for delay, cap in zip(delays, caps, strict=True))
    assert delays != caps


def test_a_read_timeout_that_persists_is_a_timeout(
    partner: responses.RequestsMock, make_http: Callable[..., HttpClient]
) -> None:
    partner.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(SourceTimeoutError) as caught:
        make_http(max_retries=2).get_json(URL)

    assert caught.value.code == "timeout"
    assert len(partner.calls) == 3


def test_a_connection_error_that_persists_is_source_unavailable(
    partner: responses.RequestsMock, make_http: Callable[..., HttpClient]
) -> None:
    partner.get(URL, body=requests.exceptions.ConnectionError("connection refused"))

    with pytest.raises(SourceUnavailableError, match="connection failed"):
        make_http(max_retries=1).get_json(URL)


def test_429_that_persists_is_rate_limited(
    partner: responses.RequestsMock, make_http: Callable[..., HttpClient], delays: list[float]
) -> None:
    partner.get(URL, status=429, headers={"Retry-After": "2"})

    with pytest.raises(RateLimitedError) as caught:
        make_http(max_retries=3).get_json(URL)

    assert caught.value.code == "rate_limited"
    assert delays == [2.0, 2.0, 2.0]


def test_a_retry_after_longer_than_the_client_waits_ends_the_call_at_once(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float]
) -> None:
    partner.get(URL, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimitedError, match="asks to wait 3600s") as caught:
        http.get_json(URL)

    assert caught.value.retry_after == 3600
    assert delays == []
    assert len(partner.calls) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_fail_at_once(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float], status: int
) -> None:
    partner.get(URL, status=status)

    with pytest.raises(AuthenticationError) as caught:
        http.get_json(URL)

    assert caught.value.code == "auth"
    assert len(partner.calls) == 1
    assert delays == []


@pytest.mark.parametrize("status", [400, 404, 422])
def test_other_client_errors_fail_at_once(
    partner: responses.RequestsMock, http: HttpClient, delays: list[float], status: int
) -> None:
    partner.get(URL, status=status)

    with pytest.raises(ClientRequestError, match=f"HTTP {status}") as caught:
        http.get_json(URL)

    assert caught.value.code == "source_rejected_request"
    assert delays == []


def test_an_html_page_is_a_source_format_error_naming_url_and_content_type(
    partner: responses.RequestsMock, http: HttpClient
) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    partner.get(URL, body=page, content_type="text/html")

    with pytest.raises(SourceFormatError) as caught:
        http.get_json(URL)

    message = str(caught.value)
    assert caught.value.code == "source_format"
    assert URL in message
    assert "text/html" in message
    assert "nginx" not in message


@pytest.mark.parametrize("body", ['{"data": [{"kode": 1}, {"ko', ""])
def test_truncated_or_empty_json_is_a_source_format_error(
    partner: responses.RequestsMock, http: HttpClient, body: str
) -> None:
    partner.get(URL, body=body, content_type="application/json")

    with pytest.raises(SourceFormatError, match="not valid JSON"):
        http.get_json(URL)


def test_messages_hide_credentials_in_the_query_string(
    partner: responses.RequestsMock, make_http: Callable[..., HttpClient]
) -> None:
    partner.get(URL, status=500)

    with pytest.raises(SourceUnavailableError) as caught:
        make_http(max_retries=0).get_json(URL, params={"api_key": "sk-live-0xDEADBEEF", "page": 2})

    assert "sk-live-0xDEADBEEF" not in str(caught.value)
    assert "api_key=********&page=2" in str(caught.value)


def _cutting_handler(body: bytes, cut: int) -> type[BaseHTTPRequestHandler]:
    """Answers `body`, but the first `cut` answers stop halfway and drop the connection."""
    answered: list[None] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            short = len(answered) < cut
            answered.append(None)
            self.wfile.write(body[: len(body) // 2] if short else body)
            self.close_connection = short

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


def test_a_body_cut_short_is_retried_and_a_long_one_read_whole(
    http: HttpClient, delays: list[float]
) -> None:
    # Several hundred KiB, as a page of a thousand records is: read in one go, not in chunks.
    records = [{"kode": f"C{i:07d}", "judul": "Kelas " * 40} for i in range(2000)]
    body = orjson.dumps({"data": records})
    with serve_in_thread(_cutting_handler(body, 1), host="127.0.0.1", port=0, name="cut") as url:
        assert http.get_json(url) == {"data": records}
        response = http.request("GET", url)

    assert delays == [0.5]
    assert response.content == body


def test_a_body_that_keeps_being_cut_short_is_source_unavailable(
    make_http: Callable[..., HttpClient],
) -> None:
    body = orjson.dumps({"data": list(range(10_000))})
    handler = _cutting_handler(body, 9)
    with (
        serve_in_thread(handler, host="127.0.0.1", port=0, name="cut") as url,
        pytest.raises(SourceUnavailableError, match="connection failed"),
    ):
        make_http(max_retries=1).get_json(url)


def _large_handler(declared: bool) -> type[BaseHTTPRequestHandler]:
    """Answers 1 MiB and a little more: with its Content-Length, or chunked without end."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if declared:
                body = b"[" + b"1," * (1 << 19) + b"1]"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            piece = b"1," * 32768
            try:
                self.wfile.write(b"%x\r\n[\r\n" % 1)
                while True:  # a source that never stops: the client must
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            except OSError:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "endless-chunked"])
def test_an_answer_beyond_the_page_cap_is_refused_as_soon_as_it_shows(
    make_http: Callable[..., HttpClient], declared: bool
) -> None:
    with (
        serve_in_thread(_large_handler(declared), host="127.0.0.1", port=0, name="big") as url,
        pytest.raises(SourceFormatError, match=r"larger than 1 MiB.*http\.max_page_mib"),
    ):
        make_http(max_retries=0).with_settings(max_page_mib=1).get_json(url)


def test_an_answer_within_the_cap_is_read_whole(make_http: Callable[..., HttpClient]) -> None:
    with serve_in_thread(_large_handler(True), host="127.0.0.1", port=0, name="big") as url:
        assert len(make_http().with_settings(max_page_mib=2).get_json(url)) == (1 << 19) + 1
