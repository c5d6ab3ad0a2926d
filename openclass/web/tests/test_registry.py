"""The registry the areas contribute home-page panels and demo data through (core.registry):
panels in order, shown by capability, a failing panel failing the page, builders in dependency
order; and what the areas registered names real capabilities and templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.template.loader import get_template

from openclass.accounts.capabilities import GRANTS
from openclass.core import registry
from openclass.core.registry import CHILD, LEAD, MAIN, PLACES, RegistryError

TEMPLATE = "web/offline.html"


@pytest.fixture
def added() -> Iterator[list[str]]:
    """Names of the panels and builders a test registers, taken off afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        registry.unregister(name)


def add(added: list[str], name: str, capability: str, order: int, **kw: Any) -> None:
    build = kw.pop("build", lambda user: {"user": user, "name": name})
    registry.add_panel(registry.Panel(name, TEMPLATE, capability, order, build, **kw))
    added.append(name)


def holding(*capabilities: str):
    return lambda capability: capability in capabilities


def test_panels_come_in_order_and_by_name_where_orders_tie(added) -> None:
    add(added, "test.c", "test.seen", 20)
    add(added, "test.b", "test.seen", 10)
    add(added, "test.a", "test.seen", 20)
    built = registry.build_panels(MAIN, holding("test.seen"), "someone")
    assert [item.name for item in built] == ["test.b", "test.a", "test.c"]
    assert built[0].template == TEMPLATE
    assert built[0].context == {"user": "someone", "name": "test.b"}


def test_a_viewer_sees_the_panels_of_the_capabilities_they_hold(added) -> None:
    add(added, "test.learner", "test.learn", 10)
    add(added, "test.teacher", "test.teach", 20)
    add(added, "test.school", "test.teach", 30, unless="test.city")
    learner = registry.build_panels(MAIN, holding("test.learn"), "student")
    teacher = registry.build_panels(MAIN, holding("test.teach"), "teacher")
    office = registry.build_panels(MAIN, holding("test.teach", "test.city"), "office")
    assert [item.name for item in learner] == ["test.learner"]
    assert [item.name for item in teacher] == ["test.teacher", "test.school"]
    # ``unless``: the holder of a broader panel's capability does not see this one.
    assert [item.name for item in office] == ["test.teacher"]


def test_places_are_kept_apart_and_nothing_to_show_leaves_a_panel_out(added) -> None:
    add(added, "test.lead", "test.seen", 10, place=LEAD)
    add(added, "test.child", "test.seen", 10, place=CHILD)
    add(added, "test.empty", "test.seen", 20, build=lambda user: None)
    holds = holding("test.seen")
    assert [item.name for item in registry.build_panels(LEAD, holds, "x")] == ["test.lead"]
    assert [item.name for item in registry.build_panels(CHILD, holds, "x")] == ["test.child"]
    assert registry.build_panels(MAIN, holds, "x") == []


def test_a_failing_panel_fails_the_page_instead_of_hiding(added) -> None:
    # Decided (core.registry's docstring): a panel left out silently would show a student a
    # home without, say, their to-do list, and nobody would learn why. The error goes up.
    def broken(user: object) -> dict:
        raise ZeroDivisionError("a bug in an area's panel")

    add(added, "test.fine", "test.seen", 10)
    add(added, "test.broken", "test.seen", 20, build=broken)
    with pytest.raises(ZeroDivisionError):
        registry.build_panels(MAIN, holding("test.seen"), "someone")


def test_a_name_is_registered_once_and_a_place_must_exist(added) -> None:
    add(added, "test.once", "test.seen", 10)
    with pytest.raises(RegistryError, match="twice"):
        add(added, "test.once", "test.seen", 10, build=lambda user: {})
    with pytest.raises(RegistryError, match="place"):
        add(added, "test.nowhere", "test.seen", 10, place="sidebar")


def test_demo_builders_run_after_those_they_build_on(added) -> None:
    def builder(name: str):
        return lambda options: [name]

    registry.register_demo_builder(
        "test.late", builder("late"), exists=lambda: True, after=("test.mid",)
    )
    registry.register_demo_builder(
        "test.mid", builder("mid"), exists=lambda: True, after=("test.first",)
    )
    registry.register_demo_builder("test.first", builder("first"), exists=lambda: True)
    added.extend(["test.late", "test.mid", "test.first"])
    names = [builder.name for builder in registry.demo_builders()]
    ours = [name for name in names if name.startswith("test.")]
    assert ours == ["test.first", "test.mid", "test.late"]
    # The areas' own: each after what it builds on, otherwise in INSTALLED_APPS order (the
    # order demo_data has always printed in).
    theirs = [name for name in names if not name.startswith("test.")]
    assert theirs == [
        "accounts",
        "courses",
        "assessments",
        "live",
        "notifications",
        "operations",
        "privacy",
        "hub.demo_site",
        "feeds",
        "search",
        "xapi",
        "lti",
    ]


def test_demo_builders_in_a_circle_or_after_nothing_are_refused(added) -> None:
    registry.register_demo_builder("test.x", lambda o: [], exists=lambda: True, after=("test.y",))
    added.append("test.x")
    with pytest.raises(RegistryError, match="unknown"):
        registry.demo_builders()
    registry.register_demo_builder("test.y", lambda o: [], exists=lambda: True, after=("test.x",))
    added.append("test.y")
    with pytest.raises(RegistryError, match="circle"):
        registry.demo_builders()


def test_a_landing_is_offered_to_whoever_holds_its_capability(added) -> None:
    @registry.landing("test.landing", capability="test.land")
    def find(user: str) -> str | None:
        return f"/lesson-of-{user}/" if user != "nobody" else None

    added.append("test.landing")
    assert registry.find_landing(holding("test.land"), "kim") == "/lesson-of-kim/"
    assert registry.find_landing(holding("test.land"), "nobody") is None
    assert registry.find_landing(holding(), "kim") is None


@pytest.mark.parametrize("place", PLACES)
def test_the_areas_panels_name_real_capabilities_and_templates(place: str) -> None:
    for entry in registry.panels(place):
        assert entry.capability in GRANTS, entry.name
        assert entry.unless is None or entry.unless in GRANTS, entry.name
        get_template(entry.template)
        assert entry.name.split(".")[0] in {
            "accounts",
            "courses",
            "assessments",
            "live",
            "operations",
            "lists",
            "notifications",
        }, entry.name
