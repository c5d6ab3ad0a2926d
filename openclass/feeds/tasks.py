"""Huey tasks of the outside catalogs: every minute, fetch the active catalogs whose turn it is
(never fetched: at once); and "fetch now" from the office's page. A catalog is fetched by one
worker at a time (``services.claim``): a fetch still running is not started again."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services
from .models import OutsideCatalog


def fetch_one(catalog: OutsideCatalog) -> bool:
    """Fetch the catalog; False when it failed (the failure is recorded on the catalog) or
    another worker is fetching it."""
    try:
        services.fetch_catalog(catalog)
    except ValidationError:
        return False
    return True


@db_periodic_task(crontab(minute="*"))
def fetch_due_catalogs_task() -> None:
    for catalog in services.due_catalogs():
        fetch_one(catalog)


@db_task()
def fetch_catalog_task(catalog_id: int) -> None:
    catalog = OutsideCatalog.objects.filter(pk=catalog_id, is_active=True).first()
    if catalog is not None:
        fetch_one(catalog)
