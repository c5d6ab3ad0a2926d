from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Upload, Video

#: What the video page shows, all read-only but the title.
VIDEO_FIELDS = (
    "title",
    "uploaded_by",
    "status",
    "progress",
    "error_code",
    "error_detail",
    "original_name",
    "original_path",
    "size_bytes",
    "duration",
    "width",
    "height",
    "has_audio",
    "renditions",
    "hls_dir",
    "poster_path",
    "key",
    "created_at",
    "updated_at",
)


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    """Mostly read-only: files and processing state belong to the pipeline, not to hand edits."""

    list_display = [
        "title",
        "uploaded_by",
        "status",
        "progress",
        "duration_display",
        "size_mb",
        "created_at",
    ]
    list_filter = ["status", "error_code", "created_at"]
    search_fields = ["title", "original_name", "uploaded_by__username", "uploaded_by__name"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "created_at"
    fields = VIDEO_FIELDS
    readonly_fields = [f for f in VIDEO_FIELDS if f != "title"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, video: Video) -> str:
        if video.duration is None:
            return "–"
        minutes, seconds = divmod(round(video.duration), 60)
        return f"{minutes}:{seconds:02d}"

    @admin.display(description=_("size (MB)"), ordering="size_bytes")
    def size_mb(self, video: Video) -> str:
        return f"{video.size_bytes / (1024 * 1024):.1f}"


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["key", "owner", "filename", "offset", "length", "completed_at", "updated_at"]
    list_filter = ["completed_at"]
    search_fields = ["filename", "owner__username", "key"]
    list_select_related = ["owner"]
    readonly_fields = [
        "key",
        "owner",
        "video",
        "filename",
        "offset",
        "length",
        "part_path",
        "completed_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
