"""An HTTP client for connectors: retries transient faults, classifies the rest.

Every connector that talks HTTP goes through `HttpClient`, so that retry policy, `Retry-After`
handling and error classification are the same for all partners.
"""

from __future__ import annotations

import copy
import random
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson
import requests

from connectors.errors import (
    AuthenticationError,
    ClientRequestError,
    RateLimitedError,
    RetriableError,
    SourceFormatError,
    SourceTimeoutError,
    SourceUnavailableError,
)

REDACTED = "********"
MAX_REDIRECTS = 10
#: The most of an answer read into memory, by default: a catalog of 100,000 courses in one
#: unpaged answer is ~65 MiB; a source sending far more would take the memory of every sync
#: the process runs.
MAX_PAGE_MIB = 256
# Bodies are read in pieces of this size, so a cap holds before a body is read whole.
_PIECE = 1 << 20

# Query parameters whose values are credentials in the APIs we meet (api_key, access_token,
# signature, ...); their values are hidden wherever a URL ends up in a message.
_SECRET_PARAM = re.compile(r"key|token|secret|passw|signature|sig$|auth|credential", re.IGNORECASE)


class HttpClient:
    """Sends requests with timeouts, retries transient faults, and raises classified errors.

    Connection errors, timeouts, 408, 429 and 5xx are retried up to `max_retries` times with
    exponential backoff and full jitter (a random delay between 0 and
    `min(backoff_max, backoff_base * 2**retry)`). A `Retry-After` on 429 or 503 (seconds or an
    HTTP date) replaces the backoff delay; one longer than `retry_after_max` ends the call at
    once, since waiting that long would block a worker. When the retries run out the last fault
    is raised as a `RetriableError`. 401/403 raise `AuthenticationError` and other 4xx raise
    `ClientRequestError`, without retrying.

    Retries resend the request as is, so use it for requests the source may safely receive twice
    (reads, or writes it deduplicates).
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
        max_page_mib: int = MAX_PAGE_MIB,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.max_page_mib = max_page_mib
        self.sleep = sleep
        self.rng = rng if rng is not None else random.Random()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def with_settings(
        self,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        max_page_mib: int | None = None,
    ) -> HttpClient:
        """A client like this one, on its session, with the settings given changed.

        The session stays this client's to close.
        """
        derived = copy.copy(self)
        derived._owns_session = False
        connect, read = self.timeout
        derived.timeout = (
            connect if connect_timeout is None else connect_timeout,
            read if read_timeout is None else read_timeout,
        )
        if max_retries is not None:
            derived.max_retries = max_retries
        if max_page_mib is not None:
            derived.max_page_mib = max_page_mib
        return derived

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self.session.close()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send a request, retrying transient faults and following redirects; return a response
        with a status below 300.

        Keyword arguments go to `requests.Session.request`; `timeout` defaults to the client's.
        A redirect to another origin (scheme, host or port) is followed without the `auth` hook
        nor the `headers` given, so a partner's credentials never reach a host it sends us to.
        """
        kwargs.setdefault("timeout", self.timeout)
        kwargs["allow_redirects"] = False
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request_once(method, url, kwargs)
            if not response.is_redirect:
                return response
            location = urljoin(response.url or url, response.headers["Location"])
            response.close()
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method.upper() == "POST"
            ):
                method = "GET"
                kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json")}
            if _origin(location) != origin:
                kwargs = {k: v for k, v in kwargs.items() if k not in ("auth", "headers")}
            url = location
            kwargs.pop("params", None)  # the Location is the whole next URL
        raise ClientRequestError(f"{method} {redact_url(url)}: more than {MAX_REDIRECTS} redirects")

    def _request_once(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        retries = 0
        while True:
            outcome = self._send(method, url, kwargs)
            if isinstance(outcome, requests.Response):
                return outcome
            if retries == self.max_retries:
                raise _gave_up(outcome, f"gave up after {retries + 1} attempts")
            wait = outcome.retry_after
            if wait is not None and wait > self.retry_after_max:
                raise _gave_up(
                    outcome,
                    f"the source asks to wait {wait:.0f}s, "
                    f"more than the {self.retry_after_max:.0f}s this client waits",
                )
            self.sleep(wait if wait is not None else self.backoff(retries))
            retries += 1

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET `url` and decode its JSON body; a non-JSON body raises `SourceFormatError`."""
        return decode_json(self.request("GET", url, **kwargs))

    def backoff(self, retry: int) -> float:
        """The delay before retry number `retry` (0-based): full jitter under an exponential cap."""
        return self.rng.random() * min(self.backoff_max, self.backoff_base * 2**retry)

    def validate_response(self, response: requests.Response) -> None:
        """Raise the classified error for a response that is not a success.

        A subclass may extend it for sources that report failures inside a 200 answer.
        """
        status = response.status_code
        if status < 400:
            return
        where = f"{response.request.method} {redact_url(response.url)}"
        what = f"HTTP {status} {response.reason or ''}".rstrip()
        if status in (401, 403):
            raise AuthenticationError(f"{where}: {what}: the source refused the credentials")
        if status == 429:
            raise RateLimitedError(f"{where}: {what}", retry_after=retry_after(response))
        if status == 408:
            raise SourceTimeoutError(f"{where}: {what}")
        if status >= 500:
            wait = retry_after(response) if status == 503 else None
            raise SourceUnavailableError(f"{where}: {what}", retry_after=wait)
        raise ClientRequestError(f"{where}: {what}")

    def _send(
        self, method: str, url: str, kwargs: dict[str, Any]
    ) -> requests.Response | RetriableError:
        """One attempt: the successful response, or the retriable fault it ran into."""
        where = f"{method} {redact_url(url)}"
        fault: RetriableError
        try:
            if kwargs.get("stream"):
                response = self.session.request(method, url, **kwargs)
            else:
                # Read here, where `requests` would have, so a body cut short is retried alike.
                response = self.session.request(method, url, **{**kwargs, "stream": True})
                _read_body(response, self.max_page_mib, where)
        except requests.Timeout as exc:
            fault = SourceTimeoutError(f"{where}: no answer in time ({type(exc).__name__})")
            fault.__cause__ = exc
            return fault
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            fault = SourceUnavailableError(f"{where}: connection failed ({type(exc).__name__})")
            fault.__cause__ = exc
            return fault
        try:
            self.validate_response(response)
        except RetriableError as exc:
            response.close()
            return exc
        return response


def _read_body(response: requests.Response, limit_mib: int, where: str) -> None:
    """Read the whole body of a streamed response into `response.content`, as `requests` does
    for a request not streamed (same errors, same content), but in pieces of 1 MiB where it
    makes one per 10 KiB (a page of 1000 records is one piece: 0.7 instead of 1.1 µs of CPU a
    record). A body beyond `limit_mib` raises `SourceFormatError` as soon as it shows."""
    if response.status_code == 0 or response.raw is None:
        return
    limit = limit_mib << 20
    declared = response.headers.get("Content-Length", "")
    size = 0
    pieces = []
    if not (declared.isdigit() and int(declared) > limit):
        for piece in response.iter_content(_PIECE):
            size += len(piece)
            if size > limit:
                break
            pieces.append(piece)
        else:
            # `_content` is where `requests` keeps the body it has read (its own `content` sets
            # it).
            response._content = b"".join(pieces)
            return
    response.close()
    raise SourceFormatError(
        f"{where}: the answer is larger than {limit_mib} MiB, the most read at once "
        "(page the source, or raise the connector's http.max_page_mib)"
    )


def decode_json(response: requests.Response) -> Any:
    """The JSON body of `response`; HTML, empty or truncated bodies raise `SourceFormatError`
    (see `not_json`)."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise not_json(response, exc) from exc


def not_json(response: requests.Response, problem: Exception) -> SourceFormatError:
    """The error for a response whose body is not JSON, `problem` saying why.

    The message names the URL and the content type, not the body, which may echo the request.
    """
    content_type = response.headers.get("Content-Type") or "no content type"
    return SourceFormatError(
        f"{response.request.method} {redact_url(response.url)} answered {content_type} "
        f"({len(response.content)} bytes), not valid JSON: {problem}"
    )


def retry_after(response: requests.Response) -> float | None:
    """The `Retry-After` delay of a response in seconds (never negative), or None if absent."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def redact_url(url: str) -> str:
    """`url` fit for a message: credential-looking query values and user info hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode(
        [
            (name, REDACTED if _SECRET_PARAM.search(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*:,",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, f"{(parts.hostname or '').lower()}:{port}"


def _gave_up(fault: RetriableError, why: str) -> RetriableError:
    """The same kind of fault as `fault`, with the reason the client stopped retrying."""
    error = type(fault)(f"{fault}; {why}", retry_after=fault.retry_after)
    error.__cause__ = fault.__cause__
    return error
