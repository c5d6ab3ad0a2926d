from functools import cache

from django.http import HttpRequest

from .services import unread_count as count_unread


def unread_count(request: HttpRequest) -> dict[str, object]:
    """The badge on the "Notifications" menu item; a lazy count, so a page that never shows
    the menu (JSON, downloads) never queries, counted once however often the page names it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(lambda: count_unread(user))}
