"""Huey tasks of the login hub."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from openclass.accounts.models import User

from . import audit, backchannel, keys
from .models import AuthEvent, Site

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17", hour="4"))
def prune_signing_keys_task() -> None:
    """Every night: delete the retired signing keys no live token can have been signed with
    (``hub.keys.prune``)."""
    pruned = keys.prune()
    if pruned:
        log.info("signing keys: %s retired key(s) pruned", pruned)


@db_task(retries=backchannel.RETRIES, retry_delay=backchannel.RETRY_DELAY_SECONDS, context=True)
def send_logout_token(site_id: int, user_id: int, iss: str, task: Any = None) -> None:
    """Tell a site that a person signed out (``hub.backchannel``): a fresh logout token each
    try. A site disabled or left without an address meanwhile is not called; the last failed
    try is logged (``AuthEvent.Kind.LOGOUT``) before Huey gives up."""
    site = Site.objects.filter(pk=site_id, is_active=True).exclude(backchannel_logout_uri="")
    found = site.first()
    user = User.objects.filter(pk=user_id).first()
    if found is None or user is None:
        return
    try:
        backchannel.deliver(found, user, iss)
    except backchannel.DeliveryFailed as error:
        last = task is None or not task.retries
        log.warning(
            "back-channel logout to site %s failed (%s)%s",
            site_id,
            error,
            "; giving up" if last else "; will try again",
        )
        if last:
            audit.record(
                AuthEvent.Kind.LOGOUT,
                user=user,
                site=found,
                detail=f"back-channel logout not delivered: {error}",
            )
        raise
