"""How a partner is shown, the same by the API and the CLI's --json."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from hub.store.models import Partner


class PartnerOut(Schema):
    """A partner as the API answers it."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    contact = fields.Dict(allow_none=True)
    created_at = fields.DateTime(required=True)


def partner_as_dict(partner: Partner) -> dict[str, Any]:
    """A partner as the CLI's --json and the API show it."""
    return PartnerOut().dump(partner)
