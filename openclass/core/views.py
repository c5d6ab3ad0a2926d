"""How a view calls a service: the one place a service's refusal becomes a response.

Services (``<area>/services``) raise Django's own exceptions with translated messages:

- ``ValidationError`` — the request is understood but cannot be done as asked (a closed quiz,
  a file too large). The page says why and nothing changes.
- ``PermissionDenied`` — the viewer may see the thing but not do this to it.

A view runs a command through ``perform`` (pages) or ``perform_json`` (the pages' own JSON
endpoints) instead of writing its own ``except`` blocks, so every refusal reads the same.

**403 or 404** — the rule, written once:

- The viewer may not see the object at all (it lies outside what ``visible_*`` / ``access``
  gives them): **404**. Answering 403 would confirm that a course, a student or an application
  with that number exists. Views fetch through a visible queryset (``get_object_or_404(
  visible_courses(user), pk=pk)``), so this happens by itself.
- The viewer may see it but not do this (a student opening the gradebook of their own course,
  a teacher confirming attendance of a course they only reuse): **403**, by raising
  ``PermissionDenied`` from the service or through ``accounts.capabilities.require_capability``.
  Django renders ``403.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, JsonResponse

T = TypeVar("T")


def error_messages(error: ValidationError) -> list[str]:
    """A ValidationError's messages as plain strings, field errors included."""
    return [str(message) for message in error.messages]


def error_text(error: ValidationError) -> str:
    """The messages joined into one sentence group, for a flash message or a JSON answer."""
    return " ".join(error_messages(error))


@dataclass(frozen=True)
class Done(Generic[T]):
    """A command that was done: truthy, ``value`` is what it returned."""

    value: T

    def __bool__(self) -> Literal[True]:
        return True


@dataclass(frozen=True)
class Refused:
    """A command the service refused (its ``error`` is already on the page): falsy."""

    error: ValidationError

    def __bool__(self) -> Literal[False]:
        return False


#: What ``perform`` gives: ``if outcome:`` tells a type checker, too, that ``value`` is there.
Outcome = Done[T] | Refused


def perform(
    request: HttpRequest,
    command: Callable[..., T],
    *args: Any,
    form: BaseForm | None = None,
    **kwargs: Any,
) -> Outcome[T]:
    """Run ``command(*args, **kwargs)``. A ``ValidationError`` becomes the form's errors (when
    ``form`` is given: shown beside the fields they name, the rest on top) or an error message
    on the next page; ``PermissionDenied`` goes on to Django's 403."""
    try:
        value = command(*args, **kwargs)
    except ValidationError as error:
        if form is not None:
            _add_to_form(form, error)
        else:
            for message in error_messages(error):
                messages.error(request, message)
        return Refused(error)
    return Done(value)


def _add_to_form(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def perform_json(
    command: Callable[..., T],
    *args: Any,
    ok: Callable[[T], dict[str, Any]] | None = None,
    **kwargs: Any,
) -> JsonResponse:
    """Run a command for a page's script: ``{"ok": true, …ok(value)}``; a ValidationError is
    400 ``{"ok": false, "reason": "invalid", "message": …}`` (with ``"code"``, the error's own
    code, when the service gave one, for a script that acts on why: ``code="deadline"``),
    PermissionDenied 403 ``{"ok": false, "reason": "forbidden", "message": …}``."""
    try:
        value = command(*args, **kwargs)
    except ValidationError as error:
        body = {"ok": False, "reason": "invalid", "message": error_text(error)}
        if code := getattr(error, "code", None):
            body["code"] = code
        return JsonResponse(body, status=400)
    except PermissionDenied as error:
        return JsonResponse({"ok": False, "reason": "forbidden", "message": str(error)}, status=403)
    return JsonResponse({"ok": True, **(ok(value) if ok else {})})
