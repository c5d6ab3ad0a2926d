"""The one pagination of every list (``web/_pagination.html``): its links keep every filter."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory

from openclass.web.templatetags.paging import with_page


def test_a_page_link_keeps_the_filters_and_replaces_the_page() -> None:
    query = QueryDict("q=%EB%8F%85%EB%8F%84&role=student&page=3")
    assert QueryDict(with_page(query, 4)) == QueryDict("q=독도&role=student&page=4")
    assert query["page"] == "3"  # the request's own query is left alone


def test_the_links_of_a_middle_page() -> None:
    request = RequestFactory().get("/accounts/people/", {"q": "김", "class": "7", "page": "2"})
    page = Paginator(list(range(120)), 50).get_page(2)
    html = render_to_string("web/_pagination.html", {"page": page, "request": request})
    assert "q=%EA%B9%80&amp;class=7&amp;page=1" in html
    assert "q=%EA%B9%80&amp;class=7&amp;page=3" in html
    single = Paginator(list(range(10)), 50).get_page(1)
    assert "pagination" not in render_to_string(
        "web/_pagination.html", {"page": single, "request": request}
    )
