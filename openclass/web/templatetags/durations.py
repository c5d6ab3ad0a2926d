"""``|minutes_seconds``: a length of time in seconds as people say it ("12분 34초", not 754초)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def minutes_seconds(seconds: float | str | None) -> str:
    """754 → "12분 34초"; 3725 → "1시간 2분 5초"; 40 → "40초"; 600 → "10분" (in the reader's
    language); empty for no value."""
    if seconds is None or seconds == "":
        return ""
    try:
        total = max(round(float(seconds)), 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(gettext("%(hours)d h") % {"hours": hours})
    if minutes:
        parts.append(gettext("%(minutes)d min") % {"minutes": minutes})
    if secs or not parts:
        parts.append(gettext("%(seconds)d s") % {"seconds": secs})
    return " ".join(parts)
