"""The OpenID Connect provider's endpoints under ``/o/``, with django-oauth-toolkit's names in
its namespace ``oauth2_provider`` (its views reverse them there): only what openclass offers —
no device flow, dynamic registration or application pages (the office registers sites on its
own pages). Discovery is also at the site's root (``hub:openid-configuration``), as the issuer."""

from __future__ import annotations

from django.urls import path, re_path
from oauth2_provider import views as dot_views

from .views import logout, provider

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", provider.AuthorizeView.as_view(), name="authorize"),
    path("token/", provider.TokenView.as_view(), name="token"),
    path("revoke_token/", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", provider.IntrospectView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        provider.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", provider.JwksView.as_view(), name="jwks-info"),
    path("userinfo/", dot_views.UserInfoView.as_view(), name="user-info"),
    path("logout/", logout.LogoutView.as_view(), name="rp-initiated-logout"),
]
