"""Asking the served hub what a user would: a token for the demo's client, then the API."""

from __future__ import annotations

import requests

from hub.demo.credentials import DemoCredentials
from hub.errors import HubError


def probe_api(base_url: str, credentials: DemoCredentials) -> int:
    """Get an access token with the demo's admin client and list partners with it; how many the
    API returned. HubError saying which step failed otherwise."""
    try:
        answer = requests.post(
            f"{base_url}/oauth/token",
            auth=(credentials.client_id, credentials.client_secret),
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
        if answer.status_code != 200:
            raise HubError(f"POST {base_url}/oauth/token answered {answer.status_code}")
        token = answer.json()["access_token"]
        listing = requests.get(
            f"{base_url}/api/v1/partners",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        if listing.status_code != 200:
            raise HubError(f"GET {base_url}/api/v1/partners answered {listing.status_code}")
        return len(listing.json()["data"])
    except requests.RequestException as error:
        raise HubError(f"the hub at {base_url} did not answer: {error}") from error
