"""Django admin for superusers only.

The office works in the product's own pages (the organisation tree, teacher accounts, the
imports); ``/admin/`` is the maintainers' tool. Being staff is not enough: anyone else signed in
is sent to the admin's login page, which says they are not authorised.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    """Used in ``INSTALLED_APPS`` instead of ``django.contrib.admin``: the same admin (every
    area's ``admin.py`` registers with ``admin.site``), on ``SuperuserAdminSite``."""

    default_site = "openclass.accounts.admin_site.SuperuserAdminSite"
