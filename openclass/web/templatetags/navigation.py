"""The header's menus (``web/base.html``): ``{% navgroup label "key" %}<li>…</li>{% endnavgroup %}``
renders a disclosure menu around the ``<li>`` entries between its tags, or nothing when none of
them is shown to the viewer. Each entry keeps its own capability check, so a group never needs a
second list of who may open it, and an entry another area adds appears with no other change."""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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
