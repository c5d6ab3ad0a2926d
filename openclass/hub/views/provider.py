"""openclass as an OpenID Connect provider: django-oauth-toolkit's endpoints, with the signing
keys of the database in the JWKS and a discovery document that says what openclass does
(pairwise subjects, its claims, back-channel logout)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import unquote_plus, urlparse

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.models import get_access_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.signals import app_authorized

from openclass.accounts.models import User
from openclass.privacy.access import under_fourteen

from .. import audit, keys
from ..middleware import allow_form_action, authorization_origin
from ..models import AuthEvent, Site, site_by_client_id
from ..validator import subject

AccessToken = get_access_token_model()


class TokenView(dot_views.TokenView):
    """The token endpoint. django-oauth-toolkit reads the new access token back from the
    database after each code exchange, only to send ``app_authorized``: openclass listens to
    none, so the read is made only when something does."""

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if app_authorized.has_listeners(self):
            return super().authorization_flow_token_response(request, *args, **kwargs)
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class JwksView(dot_views.JwksInfoView):
    """The JWKS: the signing key and the retired keys whose tokens may still be alive."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        published = []
        for key in keys.published_keys():
            data = {"alg": "RS256", "use": "sig", "kid": key.kid}
            data.update(json.loads(keys.jwk_of(key).export_public()))
            published.append(data)
        if not published:
            # No key yet: make the one that will sign, so a relying party that fetched the
            # JWKS before the first login still knows it.
            key = keys.active_key()
            data = {"alg": "RS256", "use": "sig", "kid": key.kid}
            data.update(json.loads(keys.jwk_of(key).export_public()))
            published.append(data)
        response = JsonResponse({"keys": published})
        response["Access-Control-Allow-Origin"] = "*"
        max_age = oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS
        response["Cache-Control"] = f"public, max-age={max_age}"
        return response


class DiscoveryView(dot_views.ConnectDiscoveryInfoView):
    """``/.well-known/openid-configuration``, django-oauth-toolkit's document with what it
    cannot know: RS256 from the database's keys, pairwise and public subjects, the claims of
    each scope, the revocation and introspection endpoints, back-channel logout."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        data = json.loads(super().get(request, *args, **kwargs).content)
        data.update(
            {
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public", "pairwise"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
                # Authorization code only (sites are registered for nothing else).
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token"),
                "introspection_endpoint": self._get_endpoint_url(request, "introspect"),
                "claims_parameter_supported": False,
                "request_parameter_supported": False,
                "backchannel_logout_supported": True,
                "ui_locales_supported": ["ko", "en"],
            }
        )
        data["claims_supported"] = sorted(data["claims_supported"])
        response = JsonResponse(data)
        response["Access-Control-Allow-Origin"] = "*"
        return response


def scope_lines(site: Site, scopes: list[str]) -> list[str]:
    """What the site will get, one line per granted scope, in plain words."""
    lines = []
    for scope in scopes:
        if scope == "openid":
            if site.subject_type == Site.Subject.PAIRWISE:
                lines.append(_("That you are signed in, by an identifier for this site only"))
            else:
                lines.append(_("That you are signed in, by an identifier the same at every site"))
        elif scope == "profile":
            lines.append(_("Your name and role (student, teacher …) and your user name"))
        elif scope == "school":
            lines.append(_("Your school, grade and class"))
        elif scope == "roster":
            lines.append(_("The class lists you may see on openclass"))
        else:
            # The Open API's scopes: their description in settings (translated there).
            lines.append(str(oauth2_settings.SCOPES.get(scope, scope)))
    return lines


class AuthorizeView(dot_views.AuthorizationView):
    """The authorization endpoint. A trusted site skips the consent screen; another shows it,
    in Korean, saying exactly what the site will get. A student under 14 is refused at a site
    the office has not marked trusted (개인정보 보호법 §22-2: a parent's consent would be
    needed): a page tells them so, and the refusal is logged."""

    template_name = "hub/authorize.html"

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        client_id = request.GET.get("client_id") or request.POST.get("client_id")
        if not client_id:
            return None
        user = request.user
        if not isinstance(user, User) or not under_fourteen(user):
            return None
        site = site_by_client_id(client_id, active=True)
        if site is None or site.skip_authorization:
            return None
        audit.record(
            AuthEvent.Kind.SITE_REFUSED,
            request=request,
            site=site,
            detail="a student under 14 at a site the office has not marked trusted",
        )
        return render(request, "hub/site_refused.html", {"site": site}, status=403)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        response = super().get(request, *args, **kwargs)
        if response.status_code == 200:
            # The consent form's POST is answered by a redirect to the site: Chromium applies
            # form-action to it (see hub.middleware).
            origin = authorization_origin(request.get_full_path())
            if origin:
                allow_form_action(response, origin)
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._refusal(request) or super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        site = context.get("application")
        if isinstance(site, Site):
            context["scope_lines"] = scope_lines(site, list(context.get("scopes", [])))
            context["site_address"] = site.home_url or _site_origin(site)
            context["logo_url"] = _logo_url(site)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        location = response.get("Location", "")
        if form.cleaned_data.get("allow") and "code=" in location:
            site = site_by_client_id(form.cleaned_data["client_id"])
            asked = str(form.cleaned_data.get("scope", "")).split()
            granted = [scope for scope in asked if site is not None and scope in site.scope_set()]
            audit.record(
                AuthEvent.Kind.CONSENT_GIVEN,
                request=self.request,
                site=site,
                detail=" ".join(granted),
            )
        return response


def _site_origin(site: Site) -> str:
    uris = site.redirect_uris.split()
    if not uris:
        return ""
    parsed = urlparse(uris[0])
    return f"{parsed.scheme}://{parsed.netloc}"


def _logo_url(site: Site) -> str | None:
    if not site.logo:
        return None
    try:
        return reverse("hub:site_logo", args=[site.pk])
    except NoReverseMatch:  # the office's pages are not mounted
        return None


class IntrospectView(dot_views.IntrospectTokenView):
    """Token introspection (RFC 7662) for the sites, which authenticate with their secret: a site
    learns only about its own tokens — another site's, an expired or revoked one, or one of a
    disabled site is ``{"active": false}`` — and sees the person as its ``sub``, never their user
    name (django-oauth-toolkit's view answers about any token, with the user name)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return self._answer(request, request.GET.get("token"))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return self._answer(request, request.POST.get("token"))

    def _answer(self, request: HttpRequest, value: str | None) -> JsonResponse:
        if value is None:
            return self.get_token_response(None)
        caller = _calling_site(request)
        checksum = hashlib.sha256(value.encode("utf-8")).hexdigest()
        token = (
            AccessToken.objects.select_related("user", "application")
            .filter(token_checksum=checksum)
            .first()
        )
        site = token.application if token is not None else None
        if (
            token is None
            or caller is None
            or not isinstance(site, Site)
            or site.pk != caller.pk
            or not site.is_active
            or not token.is_valid()
        ):
            return JsonResponse({"active": False})
        data: dict[str, Any] = {
            "active": True,
            "scope": token.scope,
            "client_id": site.client_id,
            "token_type": "Bearer",
            "exp": int(token.expires.timestamp()),
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        }
        if token.user is not None:
            data["sub"] = subject(token.user, site)
        if token.resource:
            data["aud"] = token.resource
        return JsonResponse(data)


def _calling_site(request: HttpRequest) -> Site | None:
    """The site that authenticated to the introspection endpoint (HTTP Basic or the form's
    client_id; the view's dispatch has checked its secret)."""
    client_id = request.POST.get("client_id") or request.GET.get("client_id")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id = unquote_plus(decoded.split(":", 1)[0])
    if not client_id:
        return None
    return site_by_client_id(client_id, active=True)
