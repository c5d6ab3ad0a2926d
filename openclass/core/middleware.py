"""Requests the platform refuses before any view sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulMiddleware:
    """400 for a NUL character in a query string or form field.

    No page takes one, and PostgreSQL refuses to store or even compare text holding one ("A
    string literal cannot contain NUL"), so a search for ``?q=%00`` ended in a 500 there while
    SQLite answered. Refused here once instead of in every view that reads text.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request.GET.lists()) or (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and _holds_nul(request.POST.lists())
        ):
            return HttpResponseBadRequest()
        return self.get_response(request)


def _holds_nul(fields) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in fields)
