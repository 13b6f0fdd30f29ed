"""How clients are asked for and shown, the same by the API and the CLI's --json."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from hub.auth.clients import SCOPES, IssuedClient


class ClientCreate(Schema):
    """A new client of a partner: its scopes, and for private_key_jwt its public keys."""

    scopes = fields.List(
        fields.String(validate=validate.OneOf(list(SCOPES))),
        required=True,
        validate=validate.Length(min=1),
    )
    jwks = fields.Dict(
        load_default=None,
        metadata={
            "description": "The client's public JSON Web Key Set: the client then authenticates "
            "with private_key_jwt (RFC 7523) and has no secret."
        },
    )


class IssuedClientOut(Schema):
    """A new client; `client_secret` is shown only in this answer (null for a key client)."""

    client_id = fields.String(required=True)
    client_secret = fields.String(allow_none=True, required=True)
    scopes = fields.List(fields.String(), required=True)


def issued_client_as_dict(issued: IssuedClient) -> dict[str, Any]:
    """A new client as the API and the CLI's --json show it."""
    return {
        "client_id": issued.client.client_id,
        "client_secret": issued.client_secret,
        "scopes": issued.client.scopes.split(),
    }
