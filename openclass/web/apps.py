from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "openclass.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(mark_fresh_login, dispatch_uid="web.mark_fresh_login")


FRESH_LOGIN = "fresh_login"


def mark_fresh_login(sender, request, user, **kwargs) -> None:
    """Lets the home page open the lesson in progress once, right after login (바로 로딩)."""
    if request is not None and hasattr(request, "session"):
        request.session[FRESH_LOGIN] = True
