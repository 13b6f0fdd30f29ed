"""What a token lets its caller do: its scopes (admin: every scope) and its own partner's data
(admin: every partner's)."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.auth.tokens import Principal


def principal(scopes: str, partner_id: str | None) -> Principal:
    return Principal("c1", partner_id, frozenset(scopes.split()), "j1", datetime.now(UTC))


def test_a_partner_token_reaches_its_scopes_and_its_own_partner_only() -> None:
    caller = principal("catalog:read catalog:write", "p1")

    assert caller.allows("catalog:write")
    assert not caller.allows("payments:read")
    assert caller.reaches("p1")
    assert not caller.reaches("p2")
    assert not caller.is_admin


def test_an_admin_token_reaches_everything() -> None:
    caller = principal("admin", None)

    assert caller.is_admin
    assert caller.allows("payments:write")
    assert caller.reaches("p2")
