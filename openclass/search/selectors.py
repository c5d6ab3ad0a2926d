"""What other areas read of search: the words for the kinds and facet values a document has
(the sources store plain keys; the results page, the saved lists and the suggestions show
these)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

#: What the facets' values read as on the page (the sources store plain keys).
FACET_NAMES: dict[str, Any] = {
    "kind": _("Kind"),
    "area": _("Area"),
    "grade_band": _("School level"),
    "audience": _("For"),
    "site": _("Site"),
    "mode": _("Live or recorded"),
}
VALUE_NAMES: dict[str, dict[str, Any]] = {
    "kind": {
        "course": _("Course"),
        "lesson": _("Lesson"),
        "video": _("Video"),
        "instructor": _("Instructor"),
        "topic": _("Topic"),
        "outside": _("Outside site"),
        "list": _("Saved list"),
        "notice": _("Notice"),
        "query": _("Popular search"),
    },
    "grade_band": {
        "elementary": _("Elementary school"),
        "middle": _("Middle school"),
        "high": _("High school"),
    },
    "audience": {"student": _("Students"), "parent": _("Parents"), "teacher": _("Teachers")},
    "mode": {"live": _("Live classes"), "recorded": _("Recorded lessons")},
}


def value_name(facet: str, value: str) -> Any:
    """The words for a facet's value (the value itself when it has none: an area's name)."""
    return VALUE_NAMES.get(facet, {}).get(value, value)


def kind_label(kind: str) -> str:
    return str(value_name("kind", kind))


#: The words for the parts of a score "why this result" shows (``services.rank``).
SCORE_PARTS: dict[str, Any] = {
    "text": _("Words matched (BM25)"),
    "phrase": _("The words in a row in the title"),
    "freshness": _("Freshness"),
    "popularity": _("Popularity"),
    "variety": _("Kinds interleaved"),
}


def score_part_name(name: str) -> str:
    """ "role (<facet>:<value>)" reads as "For you: <value's words>"; the rest from the table."""
    if name.startswith("role (") and name.endswith(")"):
        facet, _sep, value = name[6:-1].partition(":")
        return str(_("For you: %(what)s") % {"what": value_name(facet, value)})
    return str(SCORE_PARTS.get(name, name))
