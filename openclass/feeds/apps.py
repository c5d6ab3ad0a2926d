from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    """Outside catalogs: CSV/JSON feeds and OAI-PMH endpoints the office registers, fetched on a
    schedule; their entries are found by the search."""

    name = "openclass.feeds"
    label = "feeds"
    verbose_name = _("Outside catalogs")

    def ready(self) -> None:
        from openclass.core.registry import add_search_source, register_demo_builder

        from . import demo, search

        add_search_source(search.SOURCE)
        register_demo_builder(
            "feeds", demo.build_demo, exists=demo.demo_exists, after=("accounts",)
        )
