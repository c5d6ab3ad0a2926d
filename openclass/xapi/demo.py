"""The demo's outside LRS: the demo office forwards the city's learning records, in near real
time, to the demo outside LRS the installation serves itself under /demo-lrs/ (``demo_lrs``),
at SITE_URL with its own credentials — so after ``make run`` the office's page shows statements
flowing out (pending, then sent) and /demo-lrs/ shows them arriving."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions

from . import demo_lrs, forwarding
from .models import Delivery, Destination, Statement

NAME = "데모 외부 LRS (국가 학습데이터 허브 대역)"


def endpoint() -> str:
    return f"{str(settings.SITE_URL).rstrip('/')}/demo-lrs/xapi/"


def demo_exists() -> bool:
    return Destination.objects.filter(name=NAME).exists()


def build_demo(options: DemoOptions) -> list[str]:
    """Register the demo outside LRS (or bring its address and secret up to SITE_URL and
    SECRET_KEY), and queue for it the statements the demo stored before it existed."""
    office_admin = User.objects.filter(role=User.Role.OFFICE_ADMIN, is_active=True).first()
    if office_admin is None:
        return ["Demo outside LRS: no office admin in the demo city; nothing registered."]
    key, secret = demo_lrs.credentials()
    details = forwarding.DestinationDetails(
        name=NAME,
        endpoint=endpoint(),
        username=key,
        password=secret,
        verbs=[],
        schools=[],
        mode=Destination.Mode.REALTIME,
        batch_size=100,
    )
    destination = Destination.objects.filter(name=NAME).first()
    if destination is None:
        destination = forwarding.create_destination(office_admin, details)
    else:
        forwarding.update_destination(office_admin, destination, details)
    queued = Delivery.objects.filter(destination=destination).values("statement")
    # Older sent rows are pruned (forwarding.SENT_KEPT): those statements went out already.
    recent = Statement.objects.filter(stored__gte=timezone.now() - forwarding.SENT_KEPT)
    earlier = recent.exclude(pk__in=queued).values_list("pk", flat=True)
    added = Delivery.objects.bulk_create(
        [Delivery(destination=destination, statement_id=pk) for pk in earlier.iterator()],
        batch_size=1000,
    )
    return [
        f"Demo outside LRS: {endpoint()} ({len(added)} earlier statements queued; "
        "the Huey consumer sends them, the office's page follows them)"
    ]
