"""The gradebook of a course: quizzes, assignments, outside tools' items and lesson completion in
one table, weighted into a total, with teachers' overrides.

Who sees which rows is ``courses.access.enrolments_visible_to`` (course managers every
enrolment, a teacher who enrolled their class into someone else's course their own students, a
student or parent their own row); this module never filters people itself. Who may open a
gradebook, set its weights or override a grade is ``assessments.access``.

How a cell is worked out:

- a quiz counts its kept grade (best, last or average of the graded attempts, the quiz's rule,
  the same as ``services.quizzes.kept_percents``); an attempt submitted but not fully graded
  (an essay waiting for the teacher) is shown as waiting;
- an assignment counts ``Submission.score / Assignment.max_score`` in percent (the score already
  includes any late penalty); a submission without a score is "not graded";
- an outside item (``OutsideItem``: a line item an outside tool grades through LTI AGS) counts
  the tool's latest score in percent of its maximum, once the tool says it is fully graded; a
  score the tool still grades (or an activity not finished) shows as in progress;
- completion is required lessons completed / required lessons, in percent.

How the total is worked out (the weighted mean of the cells that count):

- a cell with a grade counts with its weight (``Quiz.weight``, ``Assignment.weight``,
  ``OutsideItem.weight``, ``GradebookSettings.completion_weight``); a weight of 0 keeps an item
  out of the total. An outside item is an item of its own, weighed like a quiz or an
  assignment (weight 1 when the tool creates it, changed on the same weights page): a teacher
  who adds a tool's activity to a course expects it to count like the course's other graded
  work, and to give it more or less weight, or none, the same way;
- a missing grade (not attempted, not submitted, no score from the tool) counts as 0 **once the
  quiz has closed, the assignment is past its due date or the outside item's end
  (``endDateTime``) has passed**, because the chance to earn it is gone; before that, or when
  the item has no such date, it is left out, so a student is not marked down for work that is
  not yet due;
- work waiting for the teacher (submitted, not graded) and a tool's score not fully graded are
  always left out: the delay is not the student's;
- completion always counts (it has a value from the start: 0 % before anything is done) unless
  the course has no required lesson;
- with nothing counting, the total is empty.

Overrides (``GradeOverride``): the latest row per (course, student, lesson) wins and an empty
percent lifts it. An override of a cell replaces that cell's grade, and the cell then counts in
the total whatever its state; an override of the total (``lesson`` empty) replaces the total.
Rows are never edited, so the history stays. An outside item's cell is not overridden here: its
grade is the tool's (the tool sends a new score to change it); the total can still be.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import FilteredRelation, OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import Organisation, User, in_natural_order
from openclass.core import xlsx
from openclass.courses import access
from openclass.courses.models import Course, Enrolment, Lesson
from openclass.courses.selectors import completed_required_lessons, lessons_in_order

from ..access import can_edit_weights, can_override
from ..models import (
    Assignment,
    Attempt,
    GradebookSettings,
    GradeOverride,
    OutsideItem,
    OutsideScore,
    Quiz,
    Submission,
)
from .quizzes import revealed

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_WEIGHT = Decimal("99999.99")  # the weight fields hold 7 digits, 2 after the point


class State:
    """What a cell shows when it has no grade, or how it got its grade."""

    GRADED = "graded"
    WAITING = "waiting"  # quiz attempt submitted, not fully graded
    NOT_ATTEMPTED = "not_attempted"
    NOT_SUBMITTED = "not_submitted"
    NOT_GRADED = "not_graded"  # assignment submitted, no score yet
    NO_REQUIRED = "no_required"  # completion in a course without required lessons
    NO_SCORE = "no_score"  # outside item: the tool sent no score
    IN_PROGRESS = "in_progress"  # outside item: the tool's score is not fully graded


STATE_LABELS = {
    State.WAITING: lambda: _("Waiting for grading"),
    State.NOT_ATTEMPTED: lambda: _("Not attempted"),
    State.NOT_SUBMITTED: lambda: _("Not submitted"),
    State.NOT_GRADED: lambda: _("Not graded"),
    State.NO_REQUIRED: lambda: _("No required lessons"),
    State.NO_SCORE: lambda: _("No score"),
    State.IN_PROGRESS: lambda: _("In progress"),
}


@dataclass
class Column:
    """One quiz or assignment lesson of the course."""

    lesson: Lesson
    quiz: Quiz | None = None
    assignment: Assignment | None = None

    @property
    def is_quiz(self) -> bool:
        return self.quiz is not None

    @property
    def item(self) -> Quiz | Assignment:
        """The quiz or the assignment graded in the column (``columns_of`` gives it one)."""
        if self.quiz is not None:
            return self.quiz
        if self.assignment is None:
            raise ValueError(f"the column of lesson {self.lesson.pk} grades nothing")
        return self.assignment

    @property
    def weight(self) -> Decimal:
        return self.item.weight

    @property
    def due(self) -> datetime.datetime | None:
        """When a missing grade starts counting as 0."""
        item = self.item
        return item.closes_at if isinstance(item, Quiz) else item.due_at

    @property
    def title(self) -> str:
        return self.lesson.title

    @property
    def kind_label(self) -> str:
        return str(self.lesson.get_kind_display())


@dataclass
class OutsideColumn:
    """One outside item of the course (graded by an outside tool)."""

    item: OutsideItem

    @property
    def weight(self) -> Decimal:
        return self.item.weight

    @property
    def due(self) -> datetime.datetime | None:
        """When a missing score starts counting as 0 (the line item's ``endDateTime``)."""
        return self.item.ends_at

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def kind_label(self) -> str:
        return _("Outside tool: %(name)s") % {"name": self.item.source}


@dataclass
class Cell:
    column: Column | None  # None: the completion cell, or an outside item's (``outside``)
    state: str
    computed: Decimal | None = None  # the grade before any override
    override: GradeOverride | None = None
    late: bool = False
    waiting: bool = False  # a newer attempt waits for grading (the kept grade still shows)
    past_due: bool = False
    hidden_until: datetime.datetime | None = None  # set by ``hide_unrevealed``
    hidden: bool = False
    hidden_until_close: bool = False  # the quiz shows scores once it closes
    done: int = 0  # completion only
    required: int = 0  # completion only
    history: list[GradeOverride] = field(default_factory=list)
    outside: OutsideColumn | None = None  # an outside item's cell
    score: OutsideScore | None = None  # the tool's score in an outside item's cell

    @property
    def outside_column(self) -> OutsideColumn:
        """The column of an outside item's cell."""
        if self.outside is None:
            raise ValueError("not an outside item's cell")
        return self.outside

    @property
    def item_column(self) -> Column:
        """The column of a quiz's or an assignment's cell (every cell but completion's)."""
        if self.column is None:
            raise ValueError("the completion cell has no column")
        return self.column

    @property
    def is_overridden(self) -> bool:
        return self.override is not None

    @property
    def percent(self) -> Decimal | None:
        """The grade shown and counted: the override's when there is one."""
        if self.hidden:
            return None
        if self.override is not None:
            return self.override.percent
        return self.computed

    @property
    def counted(self) -> Decimal | None:
        """What the cell adds to the total (see the module's docstring), or None if left out."""
        if self.percent is not None:
            return self.percent
        if (
            self.state in (State.NOT_ATTEMPTED, State.NOT_SUBMITTED, State.NO_SCORE)
            and self.past_due
        ):
            return Decimal(0)
        return None

    @property
    def label(self) -> str:
        """The cell as text: a percent, or the reason there is none."""
        if self.hidden:
            if self.hidden_until is not None:
                when = formats.date_format(timezone.localtime(self.hidden_until), "Y-m-d H:i")
                return _("Hidden until %(when)s") % {"when": when}
            if self.hidden_until_close:
                return _("Hidden until the quiz closes")
            return _("Not shown")
        if self.percent is not None:
            return format_percent(self.percent)
        return str(STATE_LABELS[self.state]())

    @property
    def notes(self) -> list[str]:
        """Short marks next to the grade: late, waiting, overridden, counted as 0."""
        notes = []
        if self.late:
            notes.append(_("late"))
        if self.waiting and not self.hidden:
            notes.append(_("newer attempt waiting for grading"))
        if self.override is not None and not self.hidden:
            notes.append(_("overridden"))
        if self.percent is None and self.counted == 0 and not self.hidden:
            notes.append(_("counts as 0"))
        return notes


@dataclass
class Row:
    enrolment: Enrolment
    cells: list[Cell]
    completion: Cell
    computed_total: Decimal | None
    total_override: GradeOverride | None = None
    total_history: list[GradeOverride] = field(default_factory=list)
    partial_total: bool = False  # set by ``hide_unrevealed`` when hidden cells were left out
    outside_cells: list[Cell] = field(default_factory=list)  # one per ``Table.outside``

    @property
    def student(self) -> User:
        return self.enrolment.student

    @property
    def total(self) -> Decimal | None:
        if self.total_override is not None:
            return self.total_override.percent
        return self.computed_total

    @property
    def total_label(self) -> str:
        return format_percent(self.total) if self.total is not None else "—"

    @property
    def all_cells(self) -> list[Cell]:
        """Every cell in the table's order: lessons' items, outside items, completion."""
        return [*self.cells, *self.outside_cells, self.completion]


@dataclass
class Table:
    course: Course
    columns: list[Column]
    completion_weight: Decimal
    rows: list[Row]
    now: datetime.datetime
    outside: list[OutsideColumn] = field(default_factory=list)  # after the lessons' columns

    @property
    def all_columns(self) -> list[Column | OutsideColumn]:
        return [*self.columns, *self.outside]

    @property
    def overrides(self) -> list[GradeOverride]:
        """Every override row of the visible students, newest first (the history)."""
        rows = [o for row in self.rows for cell in row.cells for o in cell.history]
        rows += [o for row in self.rows for o in row.total_history]
        return sorted(rows, key=lambda o: (o.changed_at, o.pk), reverse=True)


def format_percent(value: Decimal) -> str:
    text = f"{value.quantize(CENT):f}".rstrip("0").rstrip(".")
    return f"{text} %"


def _weight(cell: Cell) -> Decimal:
    return cell.outside.weight if cell.outside is not None else cell.item_column.weight


def _total(
    cells: list[Cell],
    completion: Cell,
    completion_weight: Decimal,
    outside: Sequence[Cell] = (),
) -> Decimal | None:
    weighted = Decimal(0)
    weights = Decimal(0)
    pairs = [(cell, _weight(cell)) for cell in [*cells, *outside]]
    pairs.append((completion, completion_weight))
    for cell, weight in pairs:
        value = cell.counted
        if value is None or weight <= 0:
            continue
        weighted += value * weight
        weights += weight
    if not weights:
        return None
    return (weighted / weights).quantize(CENT)


def columns_of(course: Course) -> tuple[list[Column], int]:
    """The quiz and assignment lessons of ``course`` in lesson order, and the number of
    required lessons (what completion counts, as ``courses.selectors.course_progress``).
    Three queries."""
    every = lessons_in_order(course)
    required = sum(1 for lesson in every if lesson.is_required)
    lessons = [lesson for lesson in every if lesson.kind in Lesson.ASSESSMENT_KINDS]
    ids = [lesson.pk for lesson in lessons]
    quizzes = {q.lesson_id: q for q in Quiz.objects.filter(lesson_id__in=ids)}
    assignments = {a.lesson_id: a for a in Assignment.objects.filter(lesson_id__in=ids)}
    columns = []
    for lesson in lessons:
        # A lesson whose quiz or assignment is not set up yet has nothing to grade.
        if lesson.pk in quizzes:
            columns.append(Column(lesson, quiz=quizzes[lesson.pk]))
        elif lesson.pk in assignments:
            columns.append(Column(lesson, assignment=assignments[lesson.pk]))
    return columns, required


def _quiz_cells(
    column: Column,
    quiz: Quiz,
    student_ids: list[int],
    attempts: dict[tuple[int, int], list[Attempt]],
    now,
) -> dict[int, Cell]:
    past = quiz.closes_at is not None and now >= quiz.closes_at
    cells = {}
    for student_id in student_ids:
        taken = attempts.get((quiz.pk, student_id), [])
        # (a graded attempt has its score, hence its percent)
        graded = [
            percent
            for a in taken
            if a.state == Attempt.State.GRADED and (percent := a.percent) is not None
        ]
        waiting = any(a.state == Attempt.State.SUBMITTED for a in taken)
        kept = quiz.kept_percent(graded)
        if kept is not None:
            cells[student_id] = Cell(column, State.GRADED, kept, waiting=waiting, past_due=past)
        elif waiting:
            cells[student_id] = Cell(column, State.WAITING, past_due=past)
        else:
            cells[student_id] = Cell(column, State.NOT_ATTEMPTED, past_due=past)
    return cells


def _assignment_cells(
    column: Column,
    assignment: Assignment,
    student_ids: list[int],
    submissions: dict[tuple[int, int], Submission],
    now,
) -> dict[int, Cell]:
    past = assignment.due_at is not None and now >= assignment.due_at
    cells = {}
    for student_id in student_ids:
        submission = submissions.get((assignment.pk, student_id))
        if submission is None:
            cells[student_id] = Cell(column, State.NOT_SUBMITTED, past_due=past)
        elif submission.score is None:
            cells[student_id] = Cell(
                column, State.NOT_GRADED, late=submission.is_late, past_due=past
            )
        else:
            if assignment.max_score:
                percent = (submission.score * HUNDRED / assignment.max_score).quantize(CENT)
            else:
                percent = HUNDRED
            cells[student_id] = Cell(
                column, State.GRADED, percent, late=submission.is_late, past_due=past
            )
    return cells


def outside_columns_of(course: Course) -> list[OutsideColumn]:
    """The outside items of ``course``, oldest first. One query."""
    return [OutsideColumn(item) for item in OutsideItem.objects.filter(course=course)]


ITEM_FIELDS = [
    "id",
    "title",
    "score_maximum",
    "weight",
    "source",
    "source_key",
    "resource_link_id",
    "resource_id",
    "tag",
    "starts_at",
    "ends_at",
    "created_at",
    "updated_at",
]
SCORE_FIELDS = [
    "id",
    "student_id",
    "score_given",
    "score_maximum",
    "comment",
    "activity_progress",
    "grading_progress",
    "timestamp",
    "updated_at",
]


def _settings_and_outside(
    course: Course, student_ids: list[int]
) -> tuple[Decimal, list[OutsideColumn], dict[tuple[int, int], OutsideScore]]:
    """The completion weight of ``course``, its outside items (oldest first) and the scores of
    ``student_ids`` in them, in one query: the course left-joined to its items and their
    scores (an item without scores comes once, with empty score fields)."""
    rows = (
        Course.objects.filter(pk=course.pk)
        .annotate(
            completion=Subquery(
                GradebookSettings.objects.filter(course=OuterRef("pk")).values("completion_weight")[
                    :1
                ]
            ),
            mine=FilteredRelation(
                "outside_items__scores",
                # (an empty list would empty the whole query, not only the join: no id is 0)
                condition=Q(outside_items__scores__student_id__in=student_ids or [0]),
            ),
        )
        .values(
            "completion",
            *[f"outside_items__{name}" for name in ITEM_FIELDS],
            *[f"mine__{name}" for name in SCORE_FIELDS],
        )
        .order_by("outside_items__created_at", "outside_items__id")
    )
    completion = Decimal(0)
    items: dict[int, OutsideItem] = {}
    scores: dict[tuple[int, int], OutsideScore] = {}
    for row in rows:
        if row["completion"] is not None:
            completion = row["completion"]
        item_id = row["outside_items__id"]
        if item_id is None:
            continue  # no outside item
        item = items.get(item_id)
        if item is None:
            fields = {name: row[f"outside_items__{name}"] for name in ITEM_FIELDS}
            item = items[item_id] = OutsideItem(course=course, **fields)
        if row["mine__id"] is not None:
            values = {name: row[f"mine__{name}"] for name in SCORE_FIELDS}
            scores[(item_id, values["student_id"])] = OutsideScore(item=item, **values)
    return completion, [OutsideColumn(item) for item in items.values()], scores


def _outside_cells(
    column: OutsideColumn, student_ids: list[int], scores: dict[tuple[int, int], OutsideScore], now
) -> dict[int, Cell]:
    item = column.item
    past = item.ends_at is not None and now >= item.ends_at
    cells = {}
    for student_id in student_ids:
        score = scores.get((item.pk, student_id))
        if score is None:
            cells[student_id] = Cell(None, State.NO_SCORE, past_due=past, outside=column)
            continue
        if score.counts:
            cells[student_id] = Cell(
                None, State.GRADED, score.percent, past_due=past, outside=column, score=score
            )
        else:
            cells[student_id] = Cell(
                None, State.IN_PROGRESS, past_due=past, outside=column, score=score
            )
    return cells


def _latest_overrides(
    course: Course, student_ids: list[int]
) -> tuple[dict[tuple[int, int | None], GradeOverride], dict[tuple[int, int | None], list]]:
    """The override in force per (student, lesson or None for the total), and every row per
    key, newest first. One query."""
    current: dict[tuple[int, int | None], GradeOverride] = {}
    history: dict[tuple[int, int | None], list[GradeOverride]] = defaultdict(list)
    rows = (
        GradeOverride.objects.filter(course=course, student_id__in=student_ids)
        .select_related("changed_by", "lesson", "student")
        .order_by("-changed_at", "-pk")
    )
    for row in rows:
        key = (row.student_id, row.lesson_id)
        if key not in history:
            current[key] = row
        history[key].append(row)
    return {key: row for key, row in current.items() if row.percent is not None}, history


def table(
    course: Course,
    viewer: User,
    *,
    now: datetime.datetime | None = None,
    student: User | None = None,
    klass: Organisation | None = None,
) -> Table:
    """The gradebook of ``course`` as ``viewer`` may see it: one row per enrolment they may read
    (optionally ``student``'s only, or one class's), one column per quiz and assignment lesson
    in lesson order, completion and the total. A fixed number of queries whatever the numbers
    of students and columns."""
    now = now or timezone.now()
    visible = access.enrolments_visible_to(viewer, course)
    if student is not None:
        visible = visible.filter(student=student)
    if klass is not None:
        visible = visible.filter(student__organisation=klass)
    enrolments = list(
        visible.select_related("student__organisation__parent__parent").order_by(
            "student__organisation__path", "student__number", "student__name", "student__pk"
        )
    )
    student_ids = [e.student_id for e in enrolments]
    columns, required = columns_of(course)
    completion_weight, outside, scores = _settings_and_outside(course, student_ids)
    if not enrolments:
        return Table(course, columns, completion_weight, [], now, outside)

    quiz_ids = [c.quiz.pk for c in columns if c.quiz is not None]
    attempts: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    if quiz_ids:
        for attempt in (
            Attempt.objects.filter(
                quiz_id__in=quiz_ids,
                student_id__in=student_ids,
                state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED],
            )
            .order_by("number")
            .only("quiz_id", "student_id", "state", "score", "max_score", "number")
        ):
            attempts[(attempt.quiz_id, attempt.student_id)].append(attempt)
    assignment_ids = [c.assignment.pk for c in columns if c.assignment is not None]
    submissions = {}
    if assignment_ids:
        submissions = {
            (s.assignment_id, s.student_id): s
            for s in Submission.objects.filter(
                assignment_id__in=assignment_ids, student_id__in=student_ids
            ).only("assignment_id", "student_id", "score", "is_late")
        }

    by_outside = [_outside_cells(column, student_ids, scores, now) for column in outside]

    done = completed_required_lessons(students=student_ids, courses=[course])
    current, history = _latest_overrides(course, student_ids)

    by_column = []
    for column in columns:
        item = column.item
        if isinstance(item, Quiz):
            by_column.append(_quiz_cells(column, item, student_ids, attempts, now))
        else:
            by_column.append(_assignment_cells(column, item, student_ids, submissions, now))

    rows = []
    for enrolment in enrolments:
        sid = enrolment.student_id
        cells = []
        for column, cells_of in zip(columns, by_column, strict=True):
            cell = cells_of[sid]
            key = (sid, column.lesson.pk)
            cell.override = current.get(key)
            cell.history = history.get(key, [])
            cells.append(cell)
        outside_cells = [cells_of[sid] for cells_of in by_outside]
        completed = done.get((sid, course.pk), 0)
        if required:
            completion = Cell(
                None,
                State.GRADED,
                (Decimal(completed) * HUNDRED / required).quantize(CENT),
                done=completed,
                required=required,
            )
        else:
            completion = Cell(None, State.NO_REQUIRED)
        rows.append(
            Row(
                enrolment,
                cells,
                completion,
                _total(cells, completion, completion_weight, outside_cells),
                total_override=current.get((sid, None)),
                total_history=history.get((sid, None), []),
                outside_cells=outside_cells,
            )
        )
    return Table(course, columns, completion_weight, rows, now, outside)


# --- What students and parents see -----------------------------------------------------------


def hide_unrevealed(table: Table) -> Table:
    """Hide the quiz scores the quizzes do not reveal yet (``show_results``, by the quizzes'
    own rule ``quizzes.revealed``), in place, for a student's or parent's eyes. The total then
    leaves those cells out (so it cannot be used to work a hidden score out) and says so; a
    total override is not shown while a score is hidden, for the same reason."""
    for row in table.rows:
        hidden_any = False
        for cell in row.cells:
            quiz = cell.item_column.quiz
            if quiz is None or revealed(quiz, quiz.show_results, table.now):
                continue
            if cell.percent is None and not cell.is_overridden:
                continue  # nothing to hide: not attempted or waiting
            cell.hidden = True
            if quiz.show_results == Quiz.Reveal.AFTER_CLOSE:
                cell.hidden_until_close = True
                cell.hidden_until = quiz.closes_at
            cell.history = []
            hidden_any = hidden_any or cell.item_column.weight > 0
        if hidden_any:
            visible = [cell for cell in row.cells if not cell.hidden]
            row.computed_total = _total(
                visible, row.completion, table.completion_weight, row.outside_cells
            )
            row.total_override = None
            row.total_history = []
            row.partial_total = True
    return table


def student_row(
    course: Course, viewer: User, student: User, *, now: datetime.datetime | None = None
) -> tuple[Table, Row]:
    """``student``'s row of ``course`` for ``viewer``: refused (PermissionDenied) unless the
    viewer may read that student's records (themself, their parent, their teachers). Students
    and parents see it through ``hide_unrevealed``."""
    result = table(course, viewer, now=now, student=student)
    if not result.rows:
        raise PermissionDenied
    if not has_capability(viewer, "gradebook.view"):
        hide_unrevealed(result)
    return result, result.rows[0]


def enrolled_courses(viewer: User, student: User) -> list[Course]:
    """The courses of ``student`` whose records ``viewer`` may read, by title."""
    courses = Course.objects.filter(enrolments__student=student).order_by("title", "pk")
    return [c for c in courses if access.can_read_records_of(viewer, c, student)]


# --- Teachers' changes ------------------------------------------------------------------------


def classes_of(viewer: User, course: Course) -> list[Organisation]:
    """The classes of the students of ``course`` whose rows ``viewer`` may read, to filter by."""
    enrolments = access.enrolments_visible_to(viewer, course)
    return list(
        in_natural_order(
            Organisation.objects.filter(
                kind=Organisation.Kind.CLASS, pk__in=enrolments.values("student__organisation")
            ).select_related("parent")
        )
    )


def current_override(course: Course, student: User, lesson: Lesson | None) -> GradeOverride | None:
    """The override in force for one cell (or the total when ``lesson`` is None)."""
    latest = (
        GradeOverride.objects.filter(course=course, student=student, lesson=lesson)
        .order_by("-changed_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.percent is not None else None


def override_history(course: Course, student: User, lesson: Lesson | None) -> list[GradeOverride]:
    return list(
        GradeOverride.objects.filter(course=course, student=student, lesson=lesson)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )


@transaction.atomic
def set_override(
    actor: User,
    course: Course,
    student: User,
    lesson: Lesson | None,
    percent: Decimal | None,
    reason: str,
) -> GradeOverride:
    """Override one cell (``lesson``) or the total (``lesson`` None) with ``percent``, or lift
    the override with ``percent`` None. Adds a row; the previous ones stay as the history."""
    if not can_override(actor, course, student):
        raise PermissionDenied(_("You cannot change this student's grades."))
    if lesson is not None and (
        lesson.section.course_id != course.pk or lesson.kind not in Lesson.ASSESSMENT_KINDS
    ):
        raise ValidationError(_("This lesson is not graded in this course."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the change."))
    max_length = GradeOverride._meta.get_field("reason").max_length
    if max_length is not None and len(reason) > max_length:
        raise ValidationError(_("The reason is too long."))
    if percent is not None:
        if not (0 <= percent <= HUNDRED):
            raise ValidationError(_("A grade is a percent from 0 to 100."))
        percent = Decimal(percent).quantize(CENT)
    elif current_override(course, student, lesson) is None:
        raise ValidationError(_("There is no override to lift."))
    return GradeOverride.objects.create(
        course=course,
        student=student,
        lesson=lesson,
        percent=percent,
        reason=reason,
        changed_by=actor,
    )


@transaction.atomic
def set_weights(
    actor: User,
    course: Course,
    weights: dict[int, Decimal],
    completion_weight: Decimal,
    outside_weights: dict[int, Decimal] | None = None,
) -> None:
    """Set every quiz and assignment weight (by lesson id), every outside item's (by item id,
    ``outside_weights``; None leaves them as they are) and the completion weight at once.
    The ids must be exactly the gradebook's columns, so a stale page (an item added or removed
    meanwhile) is refused instead of half applied."""
    if not can_edit_weights(actor, course):
        raise PermissionDenied(_("Only the course's teachers may change the weights."))
    columns, _required = columns_of(course)
    by_lesson = {column.lesson.pk: column for column in columns}
    outside = {column.item.pk: column.item for column in outside_columns_of(course)}
    if set(weights) != set(by_lesson) or (
        outside_weights is not None and set(outside_weights) != set(outside)
    ):
        raise ValidationError(_("The list changed meanwhile. Reload the page and try again."))
    outside_weights = outside_weights or {}
    for value in [*weights.values(), *outside_weights.values(), completion_weight]:
        if value is None or not (0 <= value <= MAX_WEIGHT):
            raise ValidationError(_("A weight is a number from 0 to 99999.99."))
    quizzes: list[Quiz] = []
    assignments: list[Assignment] = []
    for lesson_id, value in weights.items():
        item = by_lesson[lesson_id].item
        item.weight = Decimal(value).quantize(CENT)
        if isinstance(item, Quiz):
            quizzes.append(item)
        else:
            assignments.append(item)
    Quiz.objects.bulk_update(quizzes, ["weight"])
    Assignment.objects.bulk_update(assignments, ["weight"])
    for item_id, value in outside_weights.items():
        outside[item_id].weight = Decimal(value).quantize(CENT)
        outside[item_id].save(update_fields=["weight"])
    GradebookSettings.objects.update_or_create(
        course=course, defaults={"completion_weight": Decimal(completion_weight).quantize(CENT)}
    )


# --- Export ----------------------------------------------------------------------------------

OVERRIDE_FILL = PatternFill("solid", fgColor="FEF3C7")
HEADER_FILL = PatternFill("solid", fgColor="DBEAFE")


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _cell_value(cell: Cell) -> float | str:
    if cell.percent is not None:
        return float(cell.percent)
    return cell.label


def table_xlsx(table: Table) -> bytes:
    """The table as a workbook: the grades in percent as numbers (text where there is none),
    overridden cells shaded with the reason as a comment; a second sheet holds every override
    with who made it and why. Only what ``table`` holds, so only what its viewer may see."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Gradebook")[:31]
    xlsx.append_row(sheet, [table.course.title])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [_("Class"), _("No."), _("Name")]
    header += [column.title for column in table.all_columns]
    header += [_("Completion"), _("Total")]
    xlsx.append_row(sheet, header)
    weights: list[str | float | None] = [_("Weight"), None, None]
    weights += [_number(column.weight) for column in table.all_columns]
    weights += [_number(table.completion_weight), None]
    xlsx.append_row(sheet, weights)
    for row_cells in (sheet[2], sheet[3]):
        for item in row_cells:
            item.font = Font(bold=True)
            item.alignment = Alignment(wrap_text=True, vertical="top")
            item.fill = HEADER_FILL
    first = 4
    for index, row in enumerate(table.rows):
        student = row.student
        klass = student.organisation.full_name if student.organisation is not None else ""
        values: list[str | int | float | None] = [klass, student.number, student.name]
        values += [_cell_value(cell) for cell in row.all_cells]
        values.append(_number(row.total) if row.total is not None else "")
        xlsx.append_row(sheet, values)
        line = first + index
        for offset, cell in enumerate([*row.cells, *row.outside_cells], start=4):
            target = sheet.cell(row=line, column=offset)
            notes = []
            if cell.override is not None:
                target.fill = OVERRIDE_FILL
                notes.append(_("Overridden: %(reason)s") % {"reason": cell.override.reason})
                if cell.computed is not None:
                    notes.append(
                        _("Computed: %(percent)s") % {"percent": format_percent(cell.computed)}
                    )
            if cell.late:
                notes.append(_("Submitted late"))
            if cell.percent is None and cell.counted == 0:
                notes.append(_("Counts as 0 in the total"))
            if cell.score is not None and cell.score.comment:
                notes.append(cell.score.comment[:500])
            if notes:
                target.comment = Comment("\n".join(notes), "openclass")
        if row.total_override is not None:
            target = sheet.cell(row=line, column=4 + len(row.all_cells))
            target.fill = OVERRIDE_FILL
            target.comment = Comment(
                _("Overridden: %(reason)s") % {"reason": row.total_override.reason}, "openclass"
            )
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["C"].width = 12
    for index in range(4, 6 + len(table.all_columns)):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.freeze_panes = "D4"
    xlsx.append_row(sheet, [])
    xlsx.append_row(
        sheet, [_("Grades in percent. Shaded: overridden by a teacher (see the comment).")]
    )

    history = book.create_sheet(_("Overrides")[:31])
    xlsx.append_row(
        history, [_("Changed at"), _("Name"), _("Item"), _("Grade (%)"), _("Reason"), _("By")]
    )
    for item in history[1]:
        item.font = Font(bold=True)
        item.fill = HEADER_FILL
    names = {row.student.pk: row.student.name for row in table.rows}
    for entry in table.overrides:
        xlsx.append_row(
            history,
            [
                timezone.localtime(entry.changed_at).strftime("%Y-%m-%d %H:%M"),
                names.get(entry.student_id, ""),
                entry.lesson.title if entry.lesson is not None else _("Total"),
                _number(entry.percent) if entry.percent is not None else _("lifted"),
                entry.reason,
                entry.changed_by.name if entry.changed_by is not None else "",
            ],
        )
    history.column_dimensions["A"].width = 17
    history.column_dimensions["E"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
