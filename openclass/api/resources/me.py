"""``GET /api/v1/me``: who the token acts for."""

from __future__ import annotations

from ninja import Router, Schema

from openclass.accounts import scoping

from ..framework import ApiRequest, caller_of, require_scope

router = Router(tags=["me"])


class OrganisationRef(Schema):
    id: int
    kind: str
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    organisation: OrganisationRef | None
    school: OrganisationRef | None
    scopes: list[str]
    site: str | None
    token_kind: str


@router.get("/me", response=MeOut, summary="The person the token acts for")
def me(request: ApiRequest) -> dict:
    """The token's person, their organisation and school, and the token's scopes."""
    caller = require_scope(request, "profile")
    user = caller_of(request).user
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "organisation": user.organisation,
        "school": scoping.school_of(user),
        "scopes": sorted(caller.scopes),
        "site": caller.site.name if caller.site is not None else None,
        "token_kind": caller.kind,
    }
