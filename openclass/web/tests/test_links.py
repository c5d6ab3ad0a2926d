"""No link leads to an error (issue 18, item 1): signed in as each demo role on the small demo
city, walk every page the role can reach from its home — every ``<a href>`` and every form's
target — and fail on any answer of 4xx or 5xx.

The walk is GET only and bounded: a GET form is submitted as a browser would with its fields'
initial values; a POST form's target is only asked with GET, where "not offered" (405) is
the right answer and a refusal or a missing page is not (the form would fail the same way). Pages
that differ only in an object's id are walked a few times each (``PER_PATTERN``), so a list of
1,500 students costs three pages, not 1,500. What a role is refused is the permission matrix's
concern; here a refusal means the page showed the role a link it may not follow.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.test import Client

from openclass.accounts.demo import DEMO_LOGINS
from openclass.accounts.models import User

#: Pages of one URL shape (the same path with other ids, the same query keys) walked at most.
PER_PATTERN = 3
#: Pages walked per role at most: the demo roles reach 40–150 shapes today.
PER_ROLE = 600
#: Not pages of the platform's own: static files, and what a link there only downloads or signs
#: out. The sign-out is a POST form; Django's admin is walked like any page (the office must
#: never need it, and a link to it must open for whoever sees it).
NOT_WALKED = ("/static/", "/media/", "/accounts/logout/", "/i18n/setlang/")
#: A POST form's target asked with GET may answer these.
POST_TARGET_OK = {200, 302, 405}


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: A few other values of each select (its last two), tried as well as the initial ones.
    choices: dict[str, list[str]] = field(default_factory=dict)

    def submissions(self) -> list[str]:
        """The query strings a person would send: as the form comes, then a select changed."""
        fields = [(k, v) for k, v in self.fields if k != "csrfmiddlewaretoken"]
        queries = [urlencode(fields)]
        for name, values in self.choices.items():
            for value in values:
                queries.append(urlencode([(k, value if k == name else v) for k, v in fields]))
        return queries


class Links(HTMLParser):
    """The links and form targets of one page, with each GET form's initial values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "option" and self._select is not None:
            self._options.append(a.get("value", ""))
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form.fields.append(
                (a["name"], a.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "select":
            self._select, self._select_value, self._options = a["name"], None, []
        elif tag == "textarea":
            self._form.fields.append((a["name"], ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._form.choices[self._select] = [v for v in self._options if v][-2:]
            self._select = None


def page_links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def shape(url: str) -> str:
    """The URL with its ids taken out and its query reduced to its keys: pages of one shape."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9]+(?=/|$)", "/#", parts.path)
    path = re.sub(r"/[0-9a-f-]{32,36}(?=/|$)", "/#", path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$)", "/~", path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def local(base: str, href: str) -> str | None:
    """``href`` as a path and query on this site, or None for another site, a fragment, a mail."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:", "blob:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or parts.netloc != "testserver":
        return None
    path = parts.path + ("?" + parts.query if parts.query else "")
    if path.startswith(NOT_WALKED):
        return None
    return path


def walk(client: Client, start: str) -> tuple[list[str], int]:
    """Walk from ``start``; the failures (answer, where, linked from) and the pages walked."""
    base = "http://testserver"
    failures: list[str] = []
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue: deque[tuple[str, str, str]] = deque([(start, "get", "(start)")])
    walked = 0
    while queue and walked < PER_ROLE:
        url, method, source = queue.popleft()
        key = f"{method} {url}"
        if key in seen or shapes[f"{method} {shape(url)}"] >= PER_PATTERN:
            continue
        seen.add(key)
        shapes[f"{method} {shape(url)}"] += 1
        walked += 1
        response = client.get(url)
        status = response.status_code
        if method == "post":
            if status not in POST_TARGET_OK:
                failures.append(f"{status} GET of the POST form target {url} (on {source})")
            continue
        if status in {301, 302, 303, 307, 308}:
            target = local(base + url, response["Location"])
            if target is not None and target.startswith(("/accounts/login/", "/admin/login/")):
                failures.append(f"{status} {url} → sign-in page (on {source})")
            elif target is not None:
                queue.append((target, "get", url))
            continue
        if status >= 400:
            failures.append(f"{status} {url} (on {source})")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parsed = page_links(response.content.decode(response.charset or "utf-8", "replace"))
        for href in parsed.links:
            target = local(base + url, href)
            if target is not None:
                queue.append((target, "get", url))
        for form in parsed.forms:
            target = local(base + url, form.action or url)
            if target is None:
                continue
            if form.method == "get":
                path = urlsplit(target).path
                for query in form.submissions():
                    queue.append((f"{path}?{query}" if query else path, "get", url))
            else:
                queue.append((target, "post", url))
    return failures, walked


def test_every_link_each_demo_role_can_reach_opens(demo_city) -> None:
    report = []
    for role, username in DEMO_LOGINS:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        failures, walked = walk(client, "/")
        assert walked > 10, f"{role}: the walk found almost nothing ({walked} pages)"
        if failures:
            report.append(f"{role} ({username}), {walked} pages walked:")
            report.extend(f"  {failure}" for failure in failures)
    assert not report, "\n".join(report)


def test_the_walk_reports_a_dead_link_and_reads_forms_as_a_browser(client, db) -> None:
    failures, walked = walk(client, "/nowhere/")
    assert (failures, walked) == (["404 /nowhere/ (on (start))"], 1)
    parsed = page_links(
        '<a href="/nowhere/">x</a><a href="https://example.org/">out</a><a href="#top">top</a>'
        '<form method="get" action="/search/"><input name="q" value="독도">'
        '<select name="kind"><option value="a">a</option><option value="b" selected>b</option>'
        '</select><input type="checkbox" name="c" value="1"></form>'
        '<form method="post" action="/accounts/people/"></form>'
    )
    assert [local("http://testserver/", href) for href in parsed.links] == ["/nowhere/", None, None]
    assert parsed.forms[0].fields == [("q", "독도"), ("kind", "b")]
    as_sent = [urlencode([("q", "독도"), ("kind", kind)]) for kind in "bab"]
    assert parsed.forms[0].submissions() == as_sent
    assert parsed.forms[1].method == "post"
    assert shape("/courses/12/lessons/7/?page=2&q=x") == "/courses/#/lessons/#/?page&q"
