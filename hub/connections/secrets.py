"""Connector secrets at rest: each secret value of a stored config is encrypted (Fernet:
AES-128-CBC with an HMAC-SHA256 tag) under a key derived from `HUB_SECRET_KEY`, and decrypted
only to run the connector. Configs are shown with secrets masked, never decrypted for that."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken

import connectors
from hub.errors import HubError
from hub.settings import Settings
from hub.store.models import ConnectorInstance


class SecretsUnreadable(HubError):
    """A stored secret does not decrypt: `HUB_SECRET_KEY` changed since it was stored."""


class ConfigSealer:
    """Seals and opens the secret values of connector configs."""

    def __init__(self, settings: Settings) -> None:
        key = settings.subkey("connector-secrets")
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(
        self, connector_type: type[connectors.Connector], config: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`config` as stored: every secret value replaced by its ciphertext."""
        return connectors.map_secrets(connector_type, config, self._encrypt)

    def open(
        self, connector_type: type[connectors.Connector], stored: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A stored config with its secrets in clear, to run the connector with."""
        return connectors.map_secrets(connector_type, stored, self._decrypt)

    def config(self, instance: ConnectorInstance) -> dict[str, Any]:
        """A connector's config validated, defaults filled and secrets in clear: to run it
        with, never to show."""
        connector_type = connectors.get_connector_type(instance.type)
        return connectors.load_config(connector_type, self.open(connector_type, instance.config))

    def _encrypt(self, value: Any) -> str:
        return self._fernet.encrypt(orjson.dumps(value)).decode("ascii")

    def _decrypt(self, token: Any) -> Any:
        try:
            return orjson.loads(self._fernet.decrypt(str(token).encode("ascii")))
        except (InvalidToken, UnicodeEncodeError, orjson.JSONDecodeError):
            raise SecretsUnreadable(
                "a stored connector secret does not decrypt: was HUB_SECRET_KEY changed? "
                "Register the connector's config again."
            ) from None
