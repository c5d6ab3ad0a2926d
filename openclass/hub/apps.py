from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    """The login hub: openclass as the city's OpenID Connect provider (the sites it logs people
    into), openclass logging in through an outside provider, and the log of authentication."""

    name = "openclass.hub"
    label = "hub"
    verbose_name = _("Login hub")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # signals: the failed sign-in receiver; backchannel: signing out of openclass tells the
        # sites (back-channel logout).
        from . import backchannel, demo, signals  # noqa: F401

        # The demo relying site (/demo-site/), registered as the office registers a site.
        register_demo_builder(
            "hub.demo_site", demo.build_demo, exists=demo.demo_exists, after=("accounts",)
        )
