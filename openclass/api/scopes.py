"""The Open API's scopes: what a token may reach, on top of what its person may (a scope narrows,
never widens). Their descriptions, shown on consent screens and the personal-token page, are
settings.OAUTH2_PROVIDER["SCOPES"]: one list for the login hub and the API."""

from __future__ import annotations

from django.conf import settings

#: Every scope the API asks for, in the order pages list them. ``openid`` is the login hub's
#: only (it reaches no API resource).
API_SCOPES: tuple[str, ...] = (
    "profile",
    "school",
    "roster",
    "roster.write",
    "courses",
    "records",
    "live",
    "operations",
    "notifications",
)


def describe(scope: str) -> str:
    return str(settings.OAUTH2_PROVIDER["SCOPES"].get(scope, scope))


def choices() -> list[tuple[str, str]]:
    return [(scope, describe(scope)) for scope in API_SCOPES]
