"""The personal-token page (``/api/tokens/``): a person makes a token for their own scripts
(name, scopes, expiry; the token shown once), sees their tokens and revokes them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.views import perform

from . import services
from .forms import TokenForm
from .scopes import describe


@login_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "api.personal_tokens")
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        outcome = perform(
            request,
            services.create_token,
            request.user,
            form.cleaned_data["name"],
            form.cleaned_data["scopes"],
            form.expires_at(),
            form=form,
        )
        if outcome:
            token, raw = outcome.value
            created = {"token": token, "raw": raw}
            form = TokenForm()
    rows = [
        {"token": token, "scopes": [describe(scope) for scope in token.scopes.split()]}
        for token in services.tokens_of(request.user)
    ]
    response = render(request, "api/tokens.html", {"form": form, "rows": rows, "created": created})
    if created is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = services.revoke_token(request.user, pk)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
