"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a site sends the person to
``/o/logout/`` to sign out of openclass and of every site they used through it.

django-oauth-toolkit's view, with openclass's own Korean confirmation page, an unknown or
disabled site refused (instead of a server error), "Cancel" that leaves the person signed in,
and the back-channel logout of the other sites (``hub.backchannel``) before the toolkit
deletes the tokens that say where the person is signed in. ``post_logout_redirect_uri`` must
be one the office registered for the site (the toolkit checks it against
``post_logout_redirect_uris``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from oauth2_provider.exceptions import InvalidOIDCClientError
from oauth2_provider.views import RPInitiatedLogoutView

from openclass.core.csp import update_csp

from .. import audit, backchannel
from ..models import AuthEvent, Site, site_by_client_id


class LogoutView(RPInitiatedLogoutView):
    template_name = "hub/logout_confirm.html"

    def get_request_application(self, id_token: Any, client_id: str | None) -> Site | None:
        if client_id:
            site = site_by_client_id(client_id, active=True)
            if site is None:
                raise InvalidOIDCClientError()
            return site
        if id_token:
            if not id_token.application.is_active:
                raise InvalidOIDCClientError()
            return id_token.application
        return None

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """The confirmation's POST ends in a redirect to the site's return address, which the
        browser checks against the page's CSP ``form-action`` (redirects included): the page
        allows that address's origin, once the toolkit has checked it is registered."""
        response: HttpResponse = super().render_to_response(context, **kwargs)
        uri = self.oidc_data.get("post_logout_redirect_uri")
        if uri and not context.get("error"):
            parts = urlsplit(uri)
            update_csp(response, {"form-action": [f"{parts.scheme}://{parts.netloc}"]})
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["other_sites"] = (
            [site.name for site in backchannel.sites_to_tell(user)] if user.is_authenticated else []
        )
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        # "Cancel": the person stays signed in to openclass and to the sites.
        if self.request.user.is_authenticated and not form.cleaned_data.get("allow"):
            return HttpResponseRedirect(reverse("web:home"))
        return super().form_valid(form)

    def do_logout(
        self,
        application: Site | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        request: HttpRequest = self.request
        user = token_user or request.user
        if not isinstance(user, AnonymousUser) and user.is_authenticated:
            how = f"signed out at {application.name}" if application else "signed out"
            audit.record(
                AuthEvent.Kind.LOGOUT, request=request, user=user, site=application, detail=how
            )
            backchannel.sign_out_of_sites(user, request=request, how=how)
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)
