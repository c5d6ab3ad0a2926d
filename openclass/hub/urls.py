"""The login hub's addresses. The OpenID Connect endpoints keep django-oauth-toolkit's names
(``oauth2_provider:authorize`` …) under ``/o/``; discovery is at the site's root, as the
issuer is."""

from django.urls import path, re_path

from .views import audit, demo_site, outside, provider, sites

app_name = "hub"

urlpatterns: list = [
    # provider (openclass.hub.views.provider); its endpoints are openclass.hub.provider_urls
    re_path(
        r"^\.well-known/openid-configuration/?$",
        provider.DiscoveryView.as_view(),
        name="openid-configuration",
    ),
    # the office's pages: registered sites (views.sites) and the authentication log (views.audit)
    path("hub/sites/", sites.sites, name="sites"),
    path("hub/sites/register/", sites.site_register, name="site_register"),
    path("hub/sites/<id:pk>/", sites.site, name="site"),
    path("hub/sites/<id:pk>/edit/", sites.site_edit, name="site_edit"),
    path("hub/sites/<id:pk>/secret/", sites.site_rotate, name="site_rotate"),
    path("hub/sites/<id:pk>/disable/", sites.site_disable, name="site_disable"),
    path("hub/sites/<id:pk>/enable/", sites.site_enable, name="site_enable"),
    path("hub/sites/<id:pk>/logo/", sites.site_logo, name="site_logo"),
    path("hub/auth-log/", audit.auth_log, name="auth_log"),
    # outside sign-in (views.outside)
    path("login/outside/", outside.OutsideLoginView.as_view(), name="outside_login"),
    path("login/outside/callback/", outside.OutsideCallbackView.as_view(), name="outside_callback"),
    path("login/outside/failed/", outside.outside_failed, name="outside_failed"),
    # the demo relying site (views.demo_site)
    path("demo-site/", demo_site.home, name="demo_site"),
    path("demo-site/login/", demo_site.login, name="demo_site_login"),
    path("demo-site/callback/", demo_site.callback, name="demo_site_callback"),
    path("demo-site/logout/", demo_site.logout, name="demo_site_logout"),
    path(
        "demo-site/backchannel-logout/",
        demo_site.backchannel_logout,
        name="demo_site_backchannel_logout",
    ),
]
