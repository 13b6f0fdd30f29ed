"""The sandbox's HTTP server: every partner's API under `/<partner code>/`, its OAuth token
endpoint, and a control API under `/_sandbox/`.

Control API (JSON):

- `GET /_sandbox/partners` — every partner: code, name, kind, style, zone, base URL, sizes;
- `GET /_sandbox/expected` — per partner and stream, the record counts and the malformed
  records with their expected field errors, at the current catalog version;
- `GET /_sandbox/changes` — the courses catalog version 2 creates, updates and deletes;
- `GET|POST /_sandbox/catalog` — the catalog version; `POST {"version": 2}` switches;
- `GET|POST /_sandbox/faults` — the fault plan; `POST {"faults": "429:2@lpk-001"}` replaces it.

Partner credentials are checked as the partner's style says (API key, bearer token, basic,
OAuth 2.0 access tokens that expire, or the Prakerja HMAC-SHA1 request signature).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from hub.sandbox import expected, generate
from hub.sandbox.faults import Fault, FaultInjector, FaultSpecError, Injection, parse_faults
from hub.sandbox.population import Partner, World
from hub.sandbox.serving import serve_in_thread
from hub.sandbox.styles import STYLES, Answer, PageRequest

#: How far a signed request's timestamp may be from the sandbox's clock, in seconds.
SIGNATURE_WINDOW = 300


def _problem(status: int, detail: str) -> Answer:
    return Answer(status, orjson.dumps({"error": detail}))


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as the sandbox reads it."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes
    #: scheme://host:port the client used.
    origin: str


class Sandbox:
    """The simulated partners of one world, with a catalog version and a fault plan that can
    change while it serves. Thread-safe."""

    def __init__(
        self,
        world: World,
        *,
        faults: str = "",
        version: int = 1,
        malformed: bool = True,
        token_ttl: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = world
        self.version = version
        self.malformed = malformed
        self.token_ttl = token_ttl
        self.clock = clock
        self.injector = FaultInjector(parse_faults(faults))
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    # -- what is served ---------------------------------------------------------------------

    def items(self, partner: Partner, stream: str, start: int, count: int) -> list[dict[str, Any]]:
        """The partner-neutral records at positions [start, start + count) of a stream."""
        version, seed, malformed = self.version, self.world.seed, self.malformed
        chosen = expected.indexes(self.world, partner, stream, version)[start : start + count]
        return [
            generate.record(seed, partner, stream, index, version, malformed=malformed)
            for index in chosen
        ]

    def answer(self, request: Request) -> tuple[Answer, Injection]:
        """The answer to a request, and the fault it meets."""
        url = urlsplit(request.target)
        head, _, rest = url.path.lstrip("/").partition("/")
        if head == "_sandbox":
            return self._control(request, rest), Injection()
        partner = self.world.by_code.get(head)
        if partner is None:
            return _problem(404, f"no partner {head!r}"), Injection()
        if rest == "oauth/token":
            return self._token(partner, request), Injection()
        style = STYLES[partner.style]
        stream = next((s for s, p in style.paths.items() if p == f"/{rest}"), None)
        if stream is None:
            return _problem(404, f"{partner.code} serves no {url.path}"), Injection()
        if request.method != style.method:
            return _problem(405, f"use {style.method}"), Injection()
        query = dict(parse_qsl(url.query))
        refused = self._authenticate(partner, style.auth, request, url.path, query)
        if refused is not None:
            return refused, Injection()
        injection = self.injector.decide(partner.code, f"{request.target}\n{request.body!r}")
        if injection.status is not None:
            headers = {}
            if injection.retry_after is not None:
                headers["Retry-After"] = str(injection.retry_after)
            answer = Answer(injection.status, b'{"error": "injected fault"}', headers=headers)
            return answer, injection
        try:
            body = orjson.loads(request.body) if request.body else {}
        except orjson.JSONDecodeError:
            return _problem(400, "the body is not JSON"), injection
        page = PageRequest(
            partner=partner,
            stream=stream,
            query=query,
            body=body if isinstance(body, dict) else {},
            url=f"{request.origin}{url.path}",
            total=expected.stream_size(self.world, partner, stream, self.version),
            items=lambda start, count: self.items(partner, stream, start, count),
        )
        return style.answer(page), injection

    # -- credentials ------------------------------------------------------------------------

    def _authenticate(
        self, partner: Partner, kind: str, request: Request, path: str, query: Mapping[str, str]
    ) -> Answer | None:
        """None when the request carries the partner's credentials, else the 401 answer."""
        keys = partner.secrets
        headers = request.headers
        authorization = headers.get("Authorization", "")
        if kind == "none":
            return None
        if kind == "api_key_header":
            given = headers.get(STYLES[partner.style].key_header, "")
            ok = hmac.compare_digest(given, keys["api_key"])
        elif kind == "api_key_query":
            ok = hmac.compare_digest(query.get("apikey", ""), keys["api_key"])
        elif kind == "bearer":
            ok = hmac.compare_digest(authorization, f"Bearer {keys['token']}")
        elif kind == "basic":
            pair = f"{keys['username']}:{keys['password']}".encode()
            ok = hmac.compare_digest(authorization, f"Basic {base64.b64encode(pair).decode()}")
        elif kind == "oauth2":
            return self._check_token(partner, authorization)
        else:
            return self._check_signature(partner, request, path)
        return None if ok else _problem(401, "missing or wrong credentials")

    def _token(self, partner: Partner, request: Request) -> Answer:
        """`POST /<code>/oauth/token`: client credentials (basic or in the body) → a token
        valid for `token_ttl` seconds. Errors as RFC 6749 says."""
        if request.method != "POST":
            return _problem(405, "use POST")
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            try:
                pair = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                pair = ""
            client_id, _, client_secret = pair.partition(":")
        if form.get("grant_type") != "client_credentials":
            return Answer(400, b'{"error": "unsupported_grant_type"}')
        keys = partner.secrets
        if not (
            hmac.compare_digest(client_id, keys["client_id"])
            and hmac.compare_digest(client_secret, keys["client_secret"])
        ):
            return Answer(401, b'{"error": "invalid_client"}')
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (partner.code, now + self.token_ttl)
        return _json_answer(
            {"access_token": token, "token_type": "Bearer", "expires_in": int(self.token_ttl)}
        )

    def _check_token(self, partner: Partner, authorization: str) -> Answer | None:
        token = authorization.removeprefix("Bearer ")
        with self._lock:
            holder = self._tokens.get(token)
        if holder is None or holder[0] != partner.code:
            return _problem(401, "invalid_token")
        if holder[1] <= self.clock():
            return _problem(401, "invalid_token: expired")
        return None

    def _check_signature(self, partner: Partner, request: Request, path: str) -> Answer | None:
        """The Prakerja signature: hex(HMAC-SHA1(key, client_code + timestamp + METHOD + path +
        body)), in `X-Client-Code`, `X-Timestamp` and `X-Signature`."""
        keys = partner.secrets
        code = request.headers.get("X-Client-Code", "")
        stamp = request.headers.get("X-Timestamp", "")
        given = request.headers.get("X-Signature", "")
        if not hmac.compare_digest(code, keys["client_code"]):
            return _problem(401, "unknown client code")
        if not stamp.isdigit() or abs(int(stamp) - self.clock()) > SIGNATURE_WINDOW:
            return _problem(401, "timestamp missing or too far from now")
        wanted = prakerja_signature(
            keys["sign_key"], code, stamp, request.method, path, request.body
        )
        if not hmac.compare_digest(given, wanted):
            return _problem(401, "bad signature")
        return None

    # -- control ----------------------------------------------------------------------------

    def _control(self, request: Request, what: str) -> Answer:
        try:
            body = orjson.loads(request.body) if request.body else {}
        except orjson.JSONDecodeError:
            return _problem(400, "the body is not JSON")
        if what == "partners":
            return _json_answer(self.describe(request.origin))
        if what == "expected":
            return _json_answer(self.expected())
        if what == "changes":
            return _json_answer(expected.changes(self.world))
        if what == "catalog":
            if request.method == "POST":
                version = body.get("version") if isinstance(body, dict) else None
                if version not in (1, 2):
                    return _problem(422, "version: must be 1 or 2")
                self.version = version
            return _json_answer({"version": self.version})
        if what == "faults":
            if request.method == "POST":
                spec = body.get("faults") if isinstance(body, dict) else None
                if not isinstance(spec, str):
                    return _problem(422, "faults: must be a string like '429:2@lpk-001'")
                try:
                    self.injector.replace(parse_faults(spec))
                except FaultSpecError as error:
                    return _problem(422, f"faults: {error}")
            return _json_answer({"faults": [_fault_json(f) for f in self.injector.faults]})
        return _problem(404, f"no control {what!r}")

    def describe(self, origin: str) -> list[dict[str, Any]]:
        """Every partner, as `GET /_sandbox/partners` lists them."""
        return [
            {
                "code": p.code,
                "name": p.name,
                "kind": p.kind,
                "style": p.style,
                "zone": p.zone,
                "base_url": f"{origin}/{p.code}",
                "records": {
                    s: expected.stream_size(self.world, p, s, self.version) for s in p.streams
                },
            }
            for p in self.world.partners
        ]

    def expected(self) -> dict[str, Any]:
        """Counts and malformed records at the current version."""
        return {
            "version": self.version,
            "counts": expected.counts(self.world, self.version),
            "malformed": expected.malformed(self.world, self.version, enabled=self.malformed),
        }


def prakerja_signature(
    key: str, client_code: str, timestamp: str, method: str, path: str, body: bytes
) -> str:
    """hex(HMAC-SHA1(key, client_code + timestamp + METHOD + path + body))."""
    message = f"{client_code}{timestamp}{method.upper()}{path}".encode() + body
    return hmac.new(key.encode(), message, "sha1").hexdigest()


def _json_answer(value: Any) -> Answer:
    return Answer(200, orjson.dumps(value))


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "kind": fault.kind,
        "count": fault.count,
        "value": fault.value,
        "partner": fault.partner,
    }


def _handler(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                target=self.path,
                headers={k: v for k, v in self.headers.items()},
                body=body,
                origin=f"http://{self.headers.get('Host') or _host(self.server)}",
            )
            answer, injection = sandbox.answer(request)
            if injection.delay_ms:
                time.sleep(injection.delay_ms / 1000)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if injection.drop:
                # Half the promised body, then the connection ends: a page cut short.
                self.wfile.write(answer.body[: len(answer.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a benchmark serves thousands of pages."""

    return Handler


def _host(server: Any) -> str:
    host, port = server.server_address[:2]
    return f"{host}:{port}"


@contextmanager
def serve_sandbox(sandbox: Sandbox, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the sandbox in a background thread; yields its base URL."""
    with serve_in_thread(_handler(sandbox), host=host, port=port, name="sandbox") as url:
        yield url
