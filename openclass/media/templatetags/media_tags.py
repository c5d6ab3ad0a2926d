"""``{% upload_widget %}`` for forms that take a video, and ``|duration`` for lengths."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("media/_upload_widget.html", takes_context=True)
def upload_widget(
    context: template.Context,
    field_name: str = "video",
    title_input: str = "",
    widget_id: str = "video-upload",
    value: str = "",
) -> dict:
    """The resumable upload widget; the new video's id lands in the hidden input ``field_name``."""
    return {
        "field_name": field_name,
        "title_input": title_input,
        "widget_id": widget_id,
        "value": value,
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "csrf_token": context.get("csrf_token", ""),
        "user": context.get("user"),
    }


@register.filter
def duration(seconds: float | None) -> str:
    """125.4 → "2:05"; 3725 → "1:02:05"."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
