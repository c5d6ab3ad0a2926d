from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import scoping, services
from .forms import LoginCardPinForm, LoginForm
from .models import Organisation, User

LOGIN_METHOD_CARD = "card"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        remember = form.cleaned_data.get("remember")
        self.request.session.set_expiry(settings.REMEMBERED_SESSION_AGE if remember else 0)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        services.complete_password_change(self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        next_url = self.request.GET.get("next")
        if next_url and next_url.startswith("/") and not next_url.startswith("//"):
            return redirect(next_url)
        return response


def lockout(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this once an account has failed too often from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(request),
            "lockout_message": _(
                "Too many failed attempts. Wait %(minutes)d minutes and try again, "
                "or ask your teacher to reset your password."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def card_login(request: HttpRequest, token: str) -> HttpResponse:
    """The page a QR login card opens: the child sees their name and types their PIN."""
    card = services.find_login_card(token)
    if card is None:
        return render(request, "accounts/card_invalid.html", status=404)
    form = LoginCardPinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=card.user.username, card_token=token, pin=form.cleaned_data["pin"]
        )
        if user is not None:
            login(request, user, backend="openclass.accounts.backends.LoginCardBackend")
            request.session["login_method"] = LOGIN_METHOD_CARD
            request.session.set_expiry(settings.REMEMBERED_SESSION_AGE)
            return redirect("web:home")
        if getattr(request, "axes_locked_out", False):
            return lockout(request)
        form.add_error("pin", _("That PIN is not right. Try again."))
    return render(request, "accounts/card_login.html", {"card_user": card.user, "form": form})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Everyone the signed-in user may see, filterable by class, role and name."""
    users = scoping.visible_users(request.user).select_related(
        "organisation", "organisation__parent"
    )
    classes = scoping.visible_organisations(request.user).filter(kind=Organisation.Kind.CLASS)
    klass = None
    if class_id := request.GET.get("class"):
        klass = get_object_or_404(classes, pk=class_id if class_id.isdigit() else 0)
        users = users.filter(organisation=klass)
    role = request.GET.get("role", "")
    if role in User.Role.values:
        users = users.filter(role=role)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(name__icontains=query) | Q(username__icontains=query))
    users = users.order_by("organisation__path", "number", "name")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {
            "page": page,
            "classes": classes.select_related("parent").order_by("path"),
            "klass": klass,
            "role": role,
            "roles": User.Role.choices,
            "query": query,
            "can_manage": scoping.manageable_users(request.user).exists(),
        },
    )


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        scoping.visible_users(request.user).select_related("organisation"), pk=pk
    )
    return render(
        request,
        "accounts/person.html",
        {
            "person": target,
            "can_manage": scoping.can_manage_user(request.user, target),
            "parents": User.objects.filter(child_links__student=target)
            if scoping.can_view_user(request.user, target)
            else User.objects.none(),
            "children": scoping.children_of(target).select_related("organisation"),
        },
    )


@login_required
@require_POST
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """A school admin (or homeroom teacher) gives a user a new temporary password, shown once."""
    target = scoping.manageable_users(request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    (credential,) = services.issue_first_login_credentials([target])
    return render(request, "accounts/credential_issued.html", {"credential": credential})
