from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openclass.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # access registers the object rules of the accounts capabilities
        # ("people.reset_password", …); panels, what accounts adds to the home page.
        from . import access, demo, exports, panels  # noqa: F401

        register_demo_builder("accounts", demo.build_demo, exists=demo.demo_city_exists)
