from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "openclass.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Saves and deletes of what the registered sources index re-index it on commit.
        from . import signals

        signals.connect()
