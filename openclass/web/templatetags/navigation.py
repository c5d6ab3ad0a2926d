"""The header's menus (``web/base.html``): ``{% navgroup label "key" %}<li>…</li>{% endnavgroup %}``
renders a disclosure menu around the ``<li>`` entries between its tags, or nothing when none of
them is shown to the viewer. Each entry keeps its own capability check, so a group never needs a
second list of who may open it, and an entry another area adds appears with no other change.

``{% main_menu %}`` renders the menu's groups (``web/_main_menu.html``) once per process for
each language, page and set of capabilities, and serves the same markup to everyone after."""

from __future__ import annotations

import threading
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from openclass.core.runtime import runtime

register = template.Library()


class NavGroupNode(template.Node):
    def __init__(self, label: FilterExpression, key: FilterExpression, nodelist: NodeList):
        self.label = label
        self.key = key
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString | str:
        entries = self.nodelist.render(context)  # autoescaped by the template, as any block
        if "<li" not in entries:
            return ""
        current = 'aria-current="page"' in entries
        return format_html(
            '<li class="nav-group{}" data-nav-group="{}"><details><summary>{}</summary>'
            '<ul class="nav-menu" id="nav-menu-{}">{}</ul></details></li>',
            " current" if current else "",
            self.key.resolve(context),
            self.label.resolve(context),
            self.key.resolve(context),
            mark_safe(entries),  # noqa: S308 - the template's own rendered, escaped output
        )


@register.tag("navgroup")
def navgroup(parser: Parser, token: Token) -> NavGroupNode:
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("usage: {% navgroup label key %}…{% endnavgroup %}")
    nodelist = parser.parse(("endnavgroup",))
    parser.delete_first_token()
    return NavGroupNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)


class _RenderedMenus:
    """The main menu as rendered for each (language, page, capabilities, superuser …), the
    newest ``LIMIT`` of them.

    Why: every signed-in page carries the menu, some 25 links each reversed, translated and
    checked against the viewer's capabilities: about half of ``base.html``'s time (decision
    0006 §7), and the same markup for every student on the same page. A process sees a few
    roles × a few hundred pages × two languages, so the limit keeps what is in use."""

    LIMIT = 2048

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._menus: OrderedDict[tuple, str] = OrderedDict()

    def reset(self) -> None:
        with self._lock:
            self._menus.clear()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            menu = self._menus.get(key)
            if menu is not None:
                self._menus.move_to_end(key)
            return menu

    def put(self, key: tuple, menu: str) -> None:
        with self._lock:
            self._menus[key] = menu
            self._menus.move_to_end(key)
            while len(self._menus) > self.LIMIT:
                self._menus.popitem(last=False)

    def __len__(self) -> int:
        return len(self._menus)


rendered_menus = runtime.register("web.main_menu", _RenderedMenus())


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    rendered_menus.reset()  # a test's languages, URLs or templates may differ


@register.simple_tag(takes_context=True)
def main_menu(context: template.Context) -> SafeString:
    """The menu's groups for the viewer of this page. The template sees only what the key
    holds (a stand-in request and user), so no one's menu can carry another's details."""
    request = context["request"]
    caps = context["caps"]
    match = getattr(request, "resolver_match", None)
    page = (match.app_name, match.url_name) if match is not None else ("", None)
    superuser = bool(getattr(context["user"], "is_superuser", False))
    key = (get_language(), get_script_prefix(), get_urlconf(), *page, superuser, tuple(caps))
    menu = rendered_menus.get(key)
    if menu is None:
        viewer = {
            "caps": caps,
            "request": SimpleNamespace(
                resolver_match=SimpleNamespace(app_name=page[0], url_name=page[1])
            ),
            "user": SimpleNamespace(is_superuser=superuser),
        }
        menu = get_template("web/_main_menu.html").render(viewer)
        rendered_menus.put(key, menu)
    return mark_safe(menu)  # noqa: S308 - our own template's rendered, escaped output
