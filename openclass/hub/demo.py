"""The demo relying site in the demo city (``manage.py demo_data``, ``make run``): one trusted site,
"꿀박사 데모", served by openclass itself under ``/demo-site/`` (``hub.views.demo_site``), whose
"openclass로 로그인" button shows the whole round trip.

It is registered as the office registers a site (``hub.services.register_site``, by the demo
office admin), then given a fixed client id and a client secret derived from SECRET_KEY
(``demo_client_secret``). django-oauth-toolkit keeps only the secret's hash, so the demo site's
view cannot read it back from the database; deriving it means no file to keep beside the
database and nothing to copy between processes: every process of this installation (and
``demo_data`` run again) computes the same secret, and a new SECRET_KEY gives a new one the next
``demo_data`` stores. A real site is given its secret once, on the office's page.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions

from . import services
from .models import Site

CLIENT_ID = "openclass-demo-site"
NAME = "꿀박사 데모"
SCOPES = ("openid", "profile", "school", "roster")
PATH = "/demo-site/"


def demo_client_secret() -> str:
    return salted_hmac("openclass.hub.demo_site", "client-secret", algorithm="sha256").hexdigest()


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def uris() -> dict[str, str]:
    """The demo site's addresses, under SITE_URL (what the office registers for it)."""
    base = site_url() + PATH
    return {
        "home": base,
        "redirect": base + "callback/",
        "post_logout": base,
        "backchannel": base + "backchannel-logout/",
    }


def demo_site() -> Site | None:
    return Site.objects.filter(client_id=CLIENT_ID).first()


def demo_exists() -> bool:
    return demo_site() is not None


def _details() -> services.SiteDetails:
    where = uris()
    return services.SiteDetails(
        name=NAME,
        description=(
            "openclass가 직접 띄우는 데모 사이트: openclass로 로그인하는 과정을 보여 줍니다."
        ),
        home_url=where["home"],
        redirect_uris=where["redirect"],
        post_logout_redirect_uris=where["post_logout"],
        backchannel_logout_uri=where["backchannel"],
        trusted=True,
        scopes=SCOPES,
        subject_type=Site.Subject.PAIRWISE,
        client_type=Site.CLIENT_CONFIDENTIAL,
    )


def build_demo(options: DemoOptions) -> list[str]:
    """Register the demo site, or bring its addresses and secret up to date (SITE_URL or
    SECRET_KEY changed since)."""
    office_admin = User.objects.filter(role=User.Role.OFFICE_ADMIN, is_active=True).first()
    if office_admin is None:
        return ["Demo relying site: no office admin in the demo city; nothing registered."]
    site = demo_site()
    if site is None:
        site = services.register_site(office_admin, _details()).site
        verb = "registered"
    else:
        site = services.update_site(office_admin, site, _details())
        verb = "brought up to date"
    site.client_id = CLIENT_ID
    site.client_secret = demo_client_secret()
    site.hash_client_secret = True
    site.save(update_fields=["client_id", "client_secret", "hash_client_secret", "updated"])
    return [
        f"Demo relying site {verb}: {NAME} at {uris()['home']} (trusted, pairwise, "
        f"scopes {' '.join(SCOPES)}; client id {CLIENT_ID}, secret derived from SECRET_KEY)."
    ]
