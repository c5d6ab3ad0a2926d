from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "openclass.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # Saves and deletes of what the registered sources index re-index it on commit.
        from . import demo, signals

        signals.connect()
        register_demo_builder("search", demo.build_demo, exists=demo.demo_exists, after=demo.AFTER)
