"""Telling people a connector was paused: a JSON POST to the configured outbound webhook."""

from __future__ import annotations

import logging
from typing import Any

import requests

from hub.settings import Settings

log = logging.getLogger(__name__)

#: Seconds to wait for the webhook; a slow receiver must not hold the scheduler up.
TIMEOUT = 10


class WebhookNotifier:
    """POSTs notifications as JSON to `notify_webhook_url`, addressed to the partner's contact
    and the `admin_contacts`. With no URL configured a notification is only logged."""

    def __init__(self, settings: Settings, http: requests.Session | None = None) -> None:
        self.url = settings.notify_webhook_url
        self.admins = list(settings.admin_contacts)
        self.http = http or requests.Session()

    def send(self, event: str, body: dict[str, Any], partner_contact: Any) -> bool:
        """Send one notification; True when the webhook accepted it (2xx). A failure is
        logged, never raised: the pause it reports stands either way."""
        payload = {
            "event": event,
            "recipients": {"partner": partner_contact, "admins": self.admins},
            **body,
        }
        if not self.url:
            log.warning("%s (no notify_webhook_url configured): %s", event, body)
            return False
        try:
            answer = self.http.post(self.url, json=payload, timeout=TIMEOUT)
        except requests.RequestException as error:
            log.error("notification %s not delivered: %s", event, type(error).__name__)
            return False
        if not answer.ok:
            log.error("notification %s refused by the webhook: HTTP %s", event, answer.status_code)
            return False
        return True
