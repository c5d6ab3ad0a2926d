from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts import scoping
from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.params import parse_ids
from openclass.core.views import perform

from . import services
from .forms import ClassMessageForm, SettingsForm


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "notifications/list.html",
        {"rows": services.list_own(request.user)[:100]},
    )


@login_required
def open_notification(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A notification's link (in the list and in its e-mail): read it, then go where it points."""
    notification = services.open_own(request.user, pk)
    if notification is None:
        raise Http404
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@require_POST
def mark_read(request: AuthenticatedRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("id"))
    if ids is None:
        return HttpResponseBadRequest()
    services.mark_read(request.user, ids or None)
    return redirect("notifications:list")


@login_required
def my_settings(request: AuthenticatedRequest) -> HttpResponse:
    """내 설정: one's language and how one hears of each kind of notification."""
    user = request.user
    channels = services.channels_for(user)
    form = SettingsForm(
        request.POST or None, channels=channels, initial={"language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        if perform(request, services.save_settings, user, language, form.channels(), form=form):
            # The next page is in the chosen language already, and so is this message.
            shown = language or translation.get_language_from_request(request)
            translation.activate(shown)
            messages.success(request, _("Your settings are saved."))
            response = redirect("notifications:settings")
            if language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                )
            return response
    return render(request, "notifications/settings.html", {"form": form})


@login_required
def message_class(request: AuthenticatedRequest) -> HttpResponse:
    """A teacher writes to the students of a class they teach (and, if they choose, to the
    students' parents); each reads it in the list, or by e-mail if they chose so."""
    require_capability(request.user, "notifications.message_class")
    form = ClassMessageForm(request.POST or None, classes=scoping.taught_classes(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = perform(
            request,
            services.send_class_message,
            request.user,
            data["klass"],
            data["text"],
            with_parents=data["with_parents"],
            form=form,
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "The message reached %(count)d person.",
                    "The message reached %(count)d people.",
                    done.value,
                )
                % {"count": done.value},
            )
            return redirect("notifications:message_class")
    return render(request, "notifications/message_class.html", {"form": form})
