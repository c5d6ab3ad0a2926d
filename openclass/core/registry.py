"""What each area adds to the pages and commands drawn above it: home-page panels and demo data.

``web`` is the roof: it draws the home page and runs ``manage.py demo_data``, yet imports no area
above ``accounts``. Each area registers here, as its app gets ready, what it contributes:

- **Panels** of the home page (``@panel``, in ``<area>/panels.py``): a template, the capability
  a viewer needs to see it (``accounts.capabilities``), its order, and a function building the
  template's context from a user. The function returns ``None`` when there is nothing to show
  (no live class now, nothing to grade); the template sees its context as ``panel``.
- **A landing** (``@landing``): where a user who asked for it goes right after login instead of
  the home page (a student's lesson in progress, 바로 로딩).
- **A demo data builder** (``register_demo_builder``): what it adds to the demo city, how to tell
  it is there, and which builders' data it builds on.
- **A data exporter** (``@exporter``, in ``<area>/exports.py``): what the area holds about one
  person, as JSON-ready data and the files to add, for "download my data" (``privacy`` builds
  the ZIP from every registered exporter).
- **A search source** (``@search_source``, in ``<area>/search.py``): what the area puts in the
  one search index (``search``): how to build the documents of its objects, which of them a user
  may open (asked at query time, so a result never shows what the user may not open), and which
  models' saves and deletes re-index them. An area added later (the community, Q&A) adds its
  content by registering a source; ``search`` itself does not change.
- **The access log's recorder** (``register_read_recorder``): ``privacy`` registers its
  ``services.record_read`` so that ``accounts``, which sits below ``privacy``, can log a read of
  a student's page through ``record_read`` here; the areas above ``privacy`` call it directly.

This module is in ``core`` and imports no area: a capability is a name here, and whoever asks for
panels passes ``holds``, the viewer's answer to "does this user hold that capability".

Registrations happen once, while Django starts, and never change afterwards: they are the shape
of the program, not state a process gathers while it runs, so they are not in ``core.runtime``
(whose ``reset()`` between tests would wipe them).

**A panel that fails fails the page.** ``build_panels`` does not catch a builder's exception:
hiding the panel would show a student their home without, say, their to-do list, and nobody
would learn why; a failing page is logged and reported like any other error, and gets fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

#: Where panels are drawn. ``lead``: inline after the greeting's placement line (" · 12 points");
#: ``main``: the home page's sections, in order; ``child`` and ``child_figures``: inside each
#: child's section of a parent's home, as sections and as figures joined by " · ". A panel of
#: the last two is built from the child, and shown to a viewer who holds its capability.
LEAD, MAIN, CHILD, CHILD_FIGURES = "lead", "main", "child", "child_figures"
#: ``todo``: the sections of the to-do page (``web:todo``), what waits for the viewer across
#: their courses (work due and missed, work to grade, sessions to confirm), built from the viewer.
TO_DO_PAGE = "todo"
PLACES = (LEAD, MAIN, CHILD, CHILD_FIGURES, TO_DO_PAGE)

#: Builds a panel's context from a user (accounts.models.User; core names no area's models).
PanelBuilder = Callable[[Any], Mapping[str, Any] | None]
Holds = Callable[[str], bool]


@dataclass(frozen=True)
class Panel:
    name: str  # "<area>.<what it shows>"
    template: str
    capability: str
    order: int
    build: PanelBuilder
    place: str = MAIN
    #: A capability that hides the panel: its holders see a broader panel instead (the office
    #: sees the city at a glance, not one school's figures or its own course list).
    unless: str | None = None

    def shown_to(self, holds: Holds) -> bool:
        return holds(self.capability) and not (self.unless and holds(self.unless))


@dataclass(frozen=True)
class BuiltPanel:
    """A panel ready to draw: ``{% include item.template with panel=item.context %}``."""

    name: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Landing:
    name: str
    capability: str
    find: Callable[[Any], str | None]  # the URL to open, or None to show the home page


@dataclass(frozen=True)
class DemoOptions:
    """What ``manage.py demo_data`` was asked for, passed to every builder."""

    size: str  # "full" or "small" (accounts.demo.SIZES)
    seed: int
    with_videos: bool


@dataclass(frozen=True)
class DemoBuilder:
    name: str
    build: Callable[[DemoOptions], list[str]]  # builds what is missing; the lines to print
    exists: Callable[[], bool]  # whether its data is there (``demo_data --once``)
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportFile:
    """A stored file to put in a person's data archive: its name inside the area's folder of
    the archive, and how to open it (``field.open``: through the storage API)."""

    name: str
    open: Callable[[], Any]


@dataclass(frozen=True)
class ExportPart:
    """What one area holds about a person: ``data`` (JSON-ready: dicts, lists, str, numbers,
    dates) and the files that go with it."""

    data: Any
    files: tuple[ExportFile, ...] = ()


@dataclass(frozen=True)
class Exporter:
    name: str  # "<area>.<what>": the archive's "<name>.json" and "files/<name>/"
    build: Callable[[Any], ExportPart | None]  # from the person (accounts.models.User)


class RegistryError(LookupError):
    """A registration that cannot be honoured: a name taken twice, an unknown place, a builder
    coming after one that does not exist, a circle of builders."""


@dataclass(frozen=True)
class SearchDocument:
    """One thing a search can find, as its source describes it (``search`` tokenises and ranks).

    ``key`` is the object's primary key in the source's model. ``tags`` weigh between the title
    and the body. The facets are plain strings the results page groups by: ``area`` (the
    catalog topic's name), ``grade_band`` ("elementary", "middle", "high", "" for any),
    ``audience`` ("student", "parent", "teacher", "" for anyone), ``site`` (the outside site
    it comes from; "" for openclass), ``mode`` ("live", "recorded" or ""). ``popularity`` is a
    count (enrolments, views, saves) and ``published_at`` the date freshness counts from."""

    key: int
    title: str
    url: str
    body: str = ""
    tags: tuple[str, ...] = ()
    area: str = ""
    grade_band: str = ""
    audience: str = ""
    site: str = ""
    mode: str = ""
    popularity: int = 0
    published_at: Any = None  # datetime.datetime | None


#: Given primary keys (or ``None`` for every object), the documents to index; an object that
#: should not be found at all (a deleted lesson's orphan) is simply not yielded.
DocumentBuilder = Callable[[Any], Any]  # (Iterable[int] | None) -> Iterable[SearchDocument]
#: Given a user, a queryset of the primary keys they may open, or ``None`` for "every signed-in
#: user" (the topic list). Search runs the queryset as a subquery of each search and keeps the
#: compiled SQL a short while per person (``search.services.Scopes``): what the rule reads when
#: the SQL runs is always current. A list of keys also works, but is then asked at every search.
VisibleKeys = Callable[[Any], Any]
#: For whom a source's rule is the same but for their own primary key (``SearchSource.alike``):
#: a key, or None for "this person's rule is their own". ``search.services.Scopes`` compiles
#: one rule for everyone alike and puts each person's key in its place.
AlikeKey = Callable[[Any], Hashable | None]


def same_for_everyone(user: Any) -> tuple[()]:
    """``alike`` for a source whose rule reads nothing of the person."""
    return ()


@dataclass(frozen=True)
class SearchSource:
    """An area's contribution to the search index.

    ``name`` is "<area>.<what>" and also the ``kind`` facet's key unless ``kind`` is given.
    ``model`` is the model whose primary keys the documents carry. ``watch`` lists other
    models whose saves and deletes change these documents, each with a function from the
    changed instance to the keys to re-index (a section renamed changes its lessons).

    ``alike`` says for whom ``visible`` builds the same rule but for the person's own primary
    key: it answers a key (people with equal keys, role, organisation, active and superuser
    flags get one rule, compiled once) or None (compiled for this person alone). Whatever else
    ``visible`` reads of the person or of the database while building must then be the same
    for all of them: a student's rule that reads their organisation is alike for a class; a
    teacher's that reads which classes they teach is not. Without ``alike`` every rule is
    compiled per person."""

    name: str
    kind: str
    model: Any
    documents: DocumentBuilder
    visible: VisibleKeys
    watch: tuple[tuple[Any, Callable[[Any], Any]], ...] = ()
    alike: AlikeKey | None = None


_search_sources: dict[str, SearchSource] = {}
_search_source_listeners: list[Callable[[SearchSource], None]] = []
_read_recorders: dict[str, Callable[..., Any]] = {}
_exporters: dict[str, Exporter] = {}
_panels: dict[str, Panel] = {}
_landings: dict[str, Landing] = {}
_demo_builders: dict[str, DemoBuilder] = {}


def _same_function(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    """The same function imported again (a module reloaded in a test) may register again."""
    return (getattr(a, "__module__", None), getattr(a, "__qualname__", None)) == (
        getattr(b, "__module__", None),
        getattr(b, "__qualname__", None),
    )


def _check_name(
    name: str, earlier: Callable[..., Any] | None, function: Callable[..., Any]
) -> None:
    if earlier is not None and not _same_function(earlier, function):
        raise RegistryError(f"{name!r} is registered twice")


def unregister(name: str) -> None:
    """Take the panel, landing, demo builder or exporter of that name off (tests that add their
    own)."""
    _panels.pop(name, None)
    _exporters.pop(name, None)
    _landings.pop(name, None)
    _demo_builders.pop(name, None)
    _search_sources.pop(name, None)


# --- Panels -----------------------------------------------------------------------------------


def add_panel(entry: Panel) -> Panel:
    if entry.place not in PLACES:
        raise RegistryError(f"panel {entry.name!r}: unknown place {entry.place!r}")
    earlier = _panels.get(entry.name)
    _check_name(entry.name, earlier.build if earlier else None, entry.build)
    _panels[entry.name] = entry
    return entry


def panel(
    name: str,
    *,
    template: str,
    capability: str,
    order: int,
    place: str = MAIN,
    unless: str | None = None,
) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register the decorated function as the builder of a home-page panel::

    @panel("courses.resume", template="courses/panels/resume.html",
           capability="course.learn", order=20)
    def build_resume(student: User) -> dict | None: ...
    """

    def register(build: PanelBuilder) -> PanelBuilder:
        add_panel(Panel(name, template, capability, order, build, place, unless))
        return build

    return register


def panels(place: str = MAIN) -> list[Panel]:
    """Every panel registered for ``place``, in order (by name where orders tie)."""
    if place not in PLACES:
        raise RegistryError(f"unknown place {place!r}")
    return sorted(
        (entry for entry in _panels.values() if entry.place == place),
        key=lambda entry: (entry.order, entry.name),
    )


def build_panels(place: str, holds: Holds, subject: Any) -> list[BuiltPanel]:
    """The panels of ``place`` a viewer holding ``holds`` may see, built from ``subject`` (the
    viewer themself, or for the child places the child), leaving out those with nothing to show.
    A builder's exception is not caught (see the module's docstring)."""
    built = []
    for entry in panels(place):
        if not entry.shown_to(holds):
            continue
        context = entry.build(subject)
        if context is not None:
            built.append(BuiltPanel(entry.name, entry.template, context))
    return built


# --- Landings ---------------------------------------------------------------------------------


def landing(name: str, *, capability: str) -> Callable[[Callable[[Any], str | None]], Any]:
    """Register the decorated function as a place to land right after login: given the user,
    it returns the URL to open, or ``None``."""

    def register(find: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
        earlier = _landings.get(name)
        _check_name(name, earlier.find if earlier else None, find)
        _landings[name] = Landing(name, capability, find)
        return find

    return register


def find_landing(holds: Holds, user: Any) -> str | None:
    """The first registered landing ``user`` may use that has somewhere to go."""
    for entry in _landings.values():
        if holds(entry.capability) and (url := entry.find(user)):
            return url
    return None


# --- Demo data ----------------------------------------------------------------------------------


def register_demo_builder(
    name: str,
    build: Callable[[DemoOptions], list[str]],
    *,
    exists: Callable[[], bool],
    after: tuple[str, ...] = (),
) -> None:
    """Register an area's demo data: ``build`` adds what is missing (it must be safe to run
    again) and returns the lines ``demo_data`` prints; ``after`` names the builders whose data
    it builds on."""
    earlier = _demo_builders.get(name)
    _check_name(name, earlier.build if earlier else None, build)
    _demo_builders[name] = DemoBuilder(name, build, exists, tuple(after))


def demo_builders() -> list[DemoBuilder]:
    """Every registered builder, each after those it names; otherwise in the order they were
    registered (the apps' order in ``INSTALLED_APPS``), so the output reads the same each run."""
    waiting = dict(_demo_builders)
    for builder in waiting.values():
        for name in builder.after:
            if name not in waiting:
                raise RegistryError(f"demo builder {builder.name!r} comes after unknown {name!r}")
    ordered: list[DemoBuilder] = []
    done: set[str] = set()
    while waiting:
        ready = next((b for b in waiting.values() if done.issuperset(b.after)), None)
        if ready is None:
            raise RegistryError(f"demo builders come after each other in a circle: {[*waiting]}")
        ordered.append(ready)
        done.add(ready.name)
        del waiting[ready.name]
    return ordered


# --- The access log -------------------------------------------------------------------------------


def register_read_recorder(record: Callable[..., Any]) -> None:
    """Register the access log's writer (``privacy.services.record_read``)."""
    earlier = _read_recorders.get("privacy")
    _check_name("read recorder", earlier, record)
    _read_recorders["privacy"] = record


def record_read(who: Any, what: str, students: Any, obj: Any = None, **where: Any) -> None:
    """Log a read of students' records through the registered recorder (for ``accounts``, below
    ``privacy``). Without one registered this raises: a read must not go unlogged silently."""
    try:
        record = _read_recorders["privacy"]
    except KeyError:
        raise RegistryError("no access-log recorder is registered") from None
    record(who, what, students, obj, **where)


# --- Data exporters -------------------------------------------------------------------------------


def exporter(name: str) -> Callable[[Callable[[Any], ExportPart | None]], Any]:
    """Register the decorated function as an area's part of a person's data archive: given the
    person, it returns an ``ExportPart``, or ``None`` when the area holds nothing about them."""

    def register(build: Callable[[Any], ExportPart | None]) -> Callable[[Any], ExportPart | None]:
        earlier = _exporters.get(name)
        _check_name(name, earlier.build if earlier else None, build)
        _exporters[name] = Exporter(name, build)
        return build

    return register


def exporters() -> list[Exporter]:
    """Every registered exporter, by name."""
    return sorted(_exporters.values(), key=lambda entry: entry.name)


# --- Search sources -------------------------------------------------------------------------------


def add_search_source(source: SearchSource) -> SearchSource:
    """Register an area's search source, and tell ``search`` (``on_search_source``) so it
    listens to the saves and deletes of the source's models."""
    earlier = _search_sources.get(source.name)
    _check_name(source.name, earlier.documents if earlier else None, source.documents)
    _search_sources[source.name] = source
    for listener in _search_source_listeners:
        listener(source)
    return source


def on_search_source(listener: Callable[[SearchSource], None]) -> None:
    """Call ``listener`` with every search source registered, now and later (``search``
    connects its receivers to just those models: a receiver for every model would cost every
    delete in the platform Django's fast path)."""
    _search_source_listeners.append(listener)
    for source in search_sources():
        listener(source)


def search_sources() -> list[SearchSource]:
    """Every registered search source, by name."""
    return sorted(_search_sources.values(), key=lambda entry: entry.name)


def search_source(name: str) -> SearchSource:
    try:
        return _search_sources[name]
    except KeyError:
        raise RegistryError(f"no search source {name!r}") from None
