"""The login hub's addresses. The OpenID Connect endpoints keep django-oauth-toolkit's names
(``oauth2_provider:authorize`` …) under ``/o/``; discovery is at the site's root, as the
issuer is."""

app_name = "hub"

urlpatterns: list = [
    # provider (openclass.hub.views.provider)
    # the office's pages: registered sites (views.sites) and the authentication log (views.audit)
    # outside sign-in (views.outside)
    # the demo relying site (views.demo_site)
]
