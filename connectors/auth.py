"""Request authenticators for HTTP sources, built from an `auth` config block.

Each is a `requests` auth hook that adds its credential to every request it sees: an API key
(header or query), HTTP basic, a bearer token, an OAuth 2.0 client-credentials token (fetched
with authlib and renewed before it expires) or an HMAC request signature. Their reprs hide the
credential, so one printed by accident (a log line, a traceback) leaks nothing. `HttpClient`
applies them only to the source's own host: a redirect elsewhere gets no credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from requests.auth import AuthBase, HTTPBasicAuth

from connectors.errors import (
    AuthenticationError,
    ConfigError,
    SourceFormatError,
    SourceTimeoutError,
    SourceUnavailableError,
)
from connectors.http import redact_url

Clock = Callable[[], float]


class ApiKeyAuth(AuthBase):
    """Sends a static API key in a header (`X-API-Key` unless the partner names another) or, with
    `location="query"`, as a query parameter."""

    def __init__(self, key: str, name: str = "X-API-Key", location: str = "header") -> None:
        self.key = key
        self.name = name
        self.location = location

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.location == "query":
            request.prepare_url(request.url, {self.name: self.key})
        else:
            request.headers[self.name] = self.key
        return request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(name={self.name!r}, location={self.location!r}, key='********')"


class BasicAuth(HTTPBasicAuth):
    """HTTP basic authentication."""

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='********')"


class BearerAuth(AuthBase):
    """Sends `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(token='********')"


class OAuth2ClientCredentialsAuth(AuthBase):
    """Sends an OAuth 2.0 access token got by the client-credentials grant (RFC 6749 §4.4).

    The token is fetched on first use through authlib's `OAuth2Session` and fetched anew once it
    is within `refresh_leeway` seconds of expiring. One fetch at a time: threads that need a
    token while another fetches it wait for that one instead of asking again. A token endpoint
    that refuses the client raises `AuthenticationError`; one that is down raises a retriable
    error.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        token_endpoint_auth_method: str = "client_secret_basic",
        refresh_leeway: float = 60.0,
        timeout: tuple[float, float] = (5.0, 30.0),
        clock: Clock = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self.refresh_leeway = refresh_leeway
        self.timeout = timeout
        self.clock = clock
        self._session = OAuth2Session(
            client_id,
            client_secret,
            scope=scope,
            token_endpoint_auth_method=token_endpoint_auth_method,
        )
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at: float | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        return request

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentialsAuth(client_id={self.client_id!r}, secret='********')"

    def access_token(self) -> str:
        """A token valid for at least `refresh_leeway` more seconds, fetched if need be."""
        with self._lock:
            if self._token is None or self._expiring():
                self._token, self._expires_at = self._fetch()
            return self._token

    def _expiring(self) -> bool:
        return (
            self._expires_at is not None and self.clock() >= self._expires_at - self.refresh_leeway
        )

    def _fetch(self) -> tuple[str, float | None]:
        where = f"token endpoint {redact_url(self.token_url)}"
        asked_at = self.clock()
        try:
            token = self._session.fetch_token(
                self.token_url, grant_type="client_credentials", timeout=self.timeout
            )
        except OAuthError as exc:
            raise AuthenticationError(f"{where} refused the client: {exc.error}") from None
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status >= 500 or status in (408, 429):
                raise SourceUnavailableError(f"{where} answered HTTP {status}") from None
            raise AuthenticationError(f"{where} answered HTTP {status}") from None
        except requests.Timeout:
            raise SourceTimeoutError(f"{where}: no answer in time") from None
        except requests.RequestException as exc:
            raise SourceUnavailableError(f"{where}: {type(exc).__name__}") from None
        except ValueError:
            raise SourceFormatError(f"{where} did not answer a JSON token") from None
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise SourceFormatError(f"{where} answered no access_token")
        expires_in = token.get("expires_in")
        try:
            expires_at = asked_at + float(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            raise SourceFormatError(
                f"{where} answered an expires_in that is not a number"
            ) from None
        return access, expires_at


#: Variables an HMAC template may use besides the definition's own `values`.
HMAC_VARIABLES = frozenset(
    {"timestamp", "timestamp_iso", "method", "path", "path_query", "body", "body_sha256"}
)
HMAC_ALGORITHMS = ("sha1", "sha256", "sha512")


def template_names(template: str) -> list[str]:
    """The `{names}` a template uses; ValueError for a malformed one or a format spec."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is not None:
            if not name or spec or conversion:
                raise ValueError("Template fields are plain names such as {timestamp}.")
            names.append(name)
    return names


class HmacSigningAuth(AuthBase):
    """Signs each request: `signature = encode(HMAC-<algorithm>(key, message))`, where `message`
    is a template over the request (see `HMAC_VARIABLES`) and the definition's `values`, and
    sends it in the headers its templates build (`{signature}` among the variables).

    The body is signed byte for byte as sent, so it is the request's own body, serialized once.
    The Prakerja partner signature is `"{client_code}{timestamp}{method}{path}{body}"` with SHA-1
    in hex.
    """

    def __init__(
        self,
        *,
        key: str,
        message: str,
        headers: Mapping[str, str],
        algorithm: str = "sha256",
        encoding: str = "hex",
        values: Mapping[str, str] | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.key = key.encode()
        self.algorithm = algorithm
        self.encoding = encoding
        self.values = {name: str(value).encode() for name, value in (values or {}).items()}
        self.message = [
            (literal.encode(), name) for literal, name, _, _ in string.Formatter().parse(message)
        ]
        self.headers = dict(headers)
        self.clock = clock

    def __repr__(self) -> str:
        return f"HmacSigningAuth(algorithm={self.algorithm!r}, key='********')"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        variables = self.variables(request)
        message = b"".join(
            literal + variables[name] if name else literal for literal, name in self.message
        )
        digest = hmac.new(self.key, message, self.algorithm).digest()
        signature = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        text = {name: value.decode("utf-8", "replace") for name, value in variables.items()}
        text["signature"] = signature
        for header, template in self.headers.items():
            request.headers[header] = template.format_map(text)
        return request

    def variables(self, request: requests.PreparedRequest) -> dict[str, bytes]:
        """The template variables of `request`, as bytes."""
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        parts = urlsplit(request.url or "")
        now = self.clock()
        return {
            **self.values,
            "timestamp": str(int(now)).encode(),
            "timestamp_iso": datetime.fromtimestamp(int(now), UTC).isoformat().encode(),
            "method": (request.method or "GET").upper().encode(),
            "path": (parts.path or "/").encode(),
            "path_query": (
                (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            ).encode(),
            "body": body,
            "body_sha256": hashlib.sha256(body).hexdigest().encode(),
        }


def auth_from_config(
    spec: Mapping[str, Any], *, timeout: tuple[float, float] = (5.0, 30.0)
) -> AuthBase | None:
    """The authenticator an `auth` block describes; None for `{"type": "none"}`."""
    kind = spec.get("type")
    if kind == "none":
        return None
    if kind == "api_key":
        return ApiKeyAuth(spec["key"], spec.get("name", "X-API-Key"), spec.get("in", "header"))
    if kind == "basic":
        return BasicAuth(spec["username"], spec["password"])
    if kind == "bearer":
        return BearerAuth(spec["token"])
    if kind == "oauth2_client_credentials":
        return OAuth2ClientCredentialsAuth(
            token_url=spec["token_url"],
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            scope=spec.get("scope"),
            token_endpoint_auth_method=spec.get(
                "token_endpoint_auth_method", "client_secret_basic"
            ),
            refresh_leeway=spec.get("refresh_leeway", 60.0),
            timeout=timeout,
        )
    if kind == "hmac":
        return HmacSigningAuth(
            key=spec["key"],
            message=spec["message"],
            headers=spec["headers"],
            algorithm=spec.get("algorithm", "sha256"),
            encoding=spec.get("encoding", "hex"),
            values=spec.get("values"),
        )
    raise ConfigError(f"unknown auth type {kind!r}", {"auth.type": [f"Unknown type {kind!r}."]})
