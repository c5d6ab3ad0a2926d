from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    name = "openclass.lti"
    label = "lti"
    verbose_name = _("Outside tools (LTI 1.3)")
