from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The Open API (``/api/v1/``): the city's sites and the national platforms read and write
    courses, rosters and results through it, with the pages' own scoping."""

    name = "openclass.api"
    label = "api"
    verbose_name = _("Open API")
