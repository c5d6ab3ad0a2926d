"""The main menu rendered once per language, page and capabilities (``{% main_menu %}``): the
same markup as rendering it afresh for the viewer, never another viewer's, and a bounded memory."""

from __future__ import annotations

import re

from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from openclass.accounts.capabilities import UserCapabilities
from openclass.accounts.demo import DEMO_LOGINS
from openclass.accounts.models import User
from openclass.web.templatetags.navigation import _RenderedMenus, rendered_menus

PAGES = ("web:home", "web:todo", "courses:catalog", "notifications:list")


def menu_of(page: str) -> str:
    """The menu's groups on a page (before the person's own menu)."""
    return page[page.index('<ul class="nav-top">') : page.index('<ul class="nav-user">')]


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def test_the_kept_menu_is_the_one_rendered_afresh_for_the_viewer(client, demo_city) -> None:
    # The template as base.html rendered it before: with the whole request and user in view.
    for role, username in DEMO_LOGINS:
        user = User.objects.get(username=username)
        client.force_login(user)
        for language in ("ko", "en"):
            for name in PAGES:
                response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
                if response.status_code != 200:
                    continue
                with translation.override(response.headers["Content-Language"]):
                    fresh = get_template("web/_main_menu.html").render(
                        {"caps": UserCapabilities(user), "user": user},
                        request=response.wsgi_request,
                    )
                kept = menu_of(response.content.decode())
                assert squeezed(kept) == squeezed(fresh), (role, language, name)
    assert len(rendered_menus) > 0


def test_no_viewer_is_served_another_viewers_menu(client, demo_city) -> None:
    home, todo = reverse("web:home"), reverse("web:todo")
    client.force_login(User.objects.get(username="hanbit-t01"))
    teacher = client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Question bank" in teacher and "Teaching" in teacher
    client.force_login(User.objects.get(username="hanbit-0001"))
    student = menu_of(client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Question bank" not in student and "Learning" in student
    in_korean = menu_of(client.get(home, HTTP_ACCEPT_LANGUAGE="ko").content.decode())
    assert "Learning" not in in_korean and "학습" in in_korean
    # The page the viewer is on is the one marked current.
    on_todo = menu_of(client.get(todo, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert f'href="{todo}" aria-current="page"' in on_todo
    assert f'href="{home}" aria-current="page"' in student
    assert f'href="{home}" aria-current="page"' not in on_todo
    # A superuser's menu has the administration link; a student's with the same page does not.
    admin = User.objects.get(username="office-admin")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)
    assert "/admin/" in menu_of(client.get(home).content.decode())
    client.force_login(User.objects.get(username="hanbit-0001"))
    assert "/admin/" not in menu_of(client.get(home).content.decode())


def test_the_kept_menus_are_the_newest_few() -> None:
    menus = _RenderedMenus()
    menus.LIMIT = 3
    for n in range(3):
        menus.put(("ko", n), f"menu {n}")
    assert menus.get(("ko", 0)) == "menu 0"  # used: kept over the older ones
    menus.put(("ko", 3), "menu 3")
    assert menus.get(("ko", 1)) is None
    assert [menus.get(("ko", n)) for n in (0, 2, 3)] == ["menu 0", "menu 2", "menu 3"]
    assert len(menus) == 3
    menus.reset()
    assert len(menus) == 0


def test_a_change_of_settings_forgets_the_kept_menus() -> None:
    rendered_menus.put(("xx", "test"), "a menu")
    with override_settings(LANGUAGE_CODE="en"):
        assert rendered_menus.get(("xx", "test")) is None
