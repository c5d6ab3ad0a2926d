from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "openclass.lists"
    label = "lists"
    verbose_name = _("Saved lists")

    def ready(self) -> None:
        # access registers the object rule of "lists.share_class".
        from . import access  # noqa: F401
