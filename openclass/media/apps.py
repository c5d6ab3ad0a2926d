from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


def _remove_files(sender, instance, **kwargs) -> None:
    """A deleted video takes its files with it, once the deletion is committed."""
    from .services import delete_video_files

    transaction.on_commit(lambda: delete_video_files(instance))


class MediaConfig(AppConfig):
    name = "openclass.media"
    label = "media"
    verbose_name = _("Videos and files")

    def ready(self) -> None:
        from openclass.core.registry import add_search_source

        from . import search

        post_delete.connect(_remove_files, sender="media.Video", dispatch_uid="media-video-files")
        for source in search.SOURCES:
            add_search_source(source)
