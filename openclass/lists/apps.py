from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "openclass.lists"
    label = "lists"
    verbose_name = _("Saved lists")

    def ready(self) -> None:
        from openclass.core.registry import add_search_source

        # access registers the object rule of "lists.share_class"; panels, the lists shared with
        # a class on its home; exports, a person's lists in their data archive; search, lists as
        # search results themselves.
        from . import access, exports, panels, search  # noqa: F401

        add_search_source(search.SOURCE)
