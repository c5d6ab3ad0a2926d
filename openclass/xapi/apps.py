from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "openclass.xapi"
    label = "xapi"
    verbose_name = _("Learning records (xAPI)")
