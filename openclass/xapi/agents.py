"""Agents and groups as the LRS compares them: by their one inverse functional identifier
(``mbox``, ``mbox_sha1sum``, ``openid`` or ``account``), written as one canonical key."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings


def key_of(agent: dict[str, Any]) -> str:
    """The canonical key of an agent or identified group: what the statement table's ``actor``
    and ``StatementAgent.agent`` columns hold, and what ``agent=`` queries look up. An anonymous
    group's key lists its members' keys (sorted), so it still compares equal to itself."""
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "sha1:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    if "account" in agent:
        account = agent["account"]
        return f"account:{account.get('homePage', '')}|{account.get('name', '')}"
    members = sorted(key_of(member) for member in agent.get("member", []))
    return "group:" + ",".join(members)


def home_page() -> str:
    """The ``account.homePage`` of our own people's agents: the installation's address."""
    return str(settings.SITE_URL).rstrip("/")


def user_of(agent: dict[str, Any]) -> Any:
    """The openclass user an agent names (an account under our ``homePage`` whose name is an
    ``Actor`` key), else None: an outside agent."""
    from .models import Actor

    account = agent.get("account") if isinstance(agent, dict) else None
    if not isinstance(account, dict) or account.get("homePage") != home_page():
        return None
    try:
        key = uuid.UUID(str(account.get("name", "")))
    except ValueError:
        return None
    actor = Actor.objects.select_related("user").filter(key=key).first()
    return actor.user if actor is not None else None
