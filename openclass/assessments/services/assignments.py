"""Assignment rules (과제): settings, the submission window and late policy, file checks, versioned
submissions, grading (by score or by rubric, with the late penalty), publishing selected work to
the class and live counts. Who may read which submission or file is ``assessments.access``.

Decided once for every assignment:

- **Window.** Without a due date work is accepted at any time and never late. Up to the due date
  (inclusive) a student may submit and resubmit freely. After it, work is *late*: refused under
  the "refuse" policy; otherwise accepted until ``accept_until`` (inclusive; empty = always).
- **Versions.** Every submission is a new ``SubmissionVersion``; nothing a student sent is ever
  changed or deleted. A version is complete on its own (its text and its files); the student may
  carry the files of the previous version over instead of attaching them again. The teacher
  grades the latest version; ``Submission.is_late`` is the latest version's mark.
- **Files** are checked before anything is written: count, size per file and per submission,
  the assignment's list of file endings (never one of ``DANGEROUS_EXTENSIONS``), and their first
  bytes: web pages, SVG/XML, executables and scripts are refused whatever their name, and a file
  claiming a known format (PDF, images, office files, HWP, ZIP) must start like one. They are
  stored under random names and only ever served as downloads
  (``core.downloads.download_response``).
- **Scores.** ``Submission.score`` is the score that counts, after any late penalty, so the
  gradebook reads it as it is. With a rubric the raw score is the sum of the picked levels'
  points scaled to the assignment's maximum: ``sum × max_score ÷ (sum of each criterion's best
  level)``. Under the "penalty" policy a late submission's raw score is multiplied by
  ``(100 − penalty %) ÷ 100``. Both are rounded half up to two decimals.
- **Completion.** Without a pass score the lesson completes on the first submission; with one,
  when a grade reaches it. A later lower regrade does not take completion back (completion keeps
  its first time, as everywhere in courses).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from openclass.accounts.models import User
from openclass.courses import access
from openclass.courses import selectors as course_selectors
from openclass.courses.models import Course, Enrolment, Lesson
from openclass.courses.services import courses
from openclass.notifications.models import Kind as NotificationKind
from openclass.notifications.services import notify

from ..models import (
    Assignment,
    AssignmentFile,
    Rubric,
    RubricScore,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from . import learning_records

MB = 1024 * 1024
CENT = Decimal("0.01")
Policy = Assignment.LatePolicy

# One file may not be larger than this, whatever a teacher sets: the web server in front takes
# request bodies up to 32 MB (deploy/nginx.conf), and a submission travels in one request.
FILE_MAX_MB = 30
SUBMISSION_MAX_BYTES = 30 * MB
TEXT_MAX_CHARS = 100_000
INSTRUCTION_MAX_FILES = 10

# File endings never accepted, even if a teacher lists them: browsers run or render them.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "htm",
        "html",
        "xhtml",
        "shtml",
        "mht",
        "mhtml",
        "svg",
        "svgz",
        "xml",
        "xsl",
        "xslt",
        "js",
        "mjs",
        "cjs",
        "jsx",
        "ts",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "hta",
        "exe",
        "com",
        "bat",
        "cmd",
        "msi",
        "msp",
        "scr",
        "pif",
        "cpl",
        "dll",
        "sys",
        "lnk",
        "jar",
        "apk",
        "app",
        "dmg",
        "sh",
        "bash",
        "ps1",
        "psm1",
        "py",
        "pl",
        "rb",
        "php",
        "phtml",
        "asp",
        "aspx",
        "jsp",
        "cgi",
        "swf",
        "reg",
    }
)

# What a file of a known ending must start with; a renamed file of another kind is refused.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "docx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "hwpx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "hwp": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"HWP Document File"),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
SNIFF_BYTES = 1445  # as much as the WHATWG sniffing algorithm reads

_EXECUTABLE_STARTS = (
    b"MZ",  # Windows programs and libraries
    b"\x7fELF",  # Linux programs
    b"\xfe\xed\xfa\xce",  # macOS programs (Mach-O, both byte orders, 32 and 64 bit)
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java classes
    b"\x00asm",  # WebAssembly
    b"#!",  # scripts
)
# Markup a browser would render: the WHATWG "HTML" patterns plus SVG and XML.
_MARKUP_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<?xml",
    b"<svg",
    b"<object",
    b"<embed",
)
_TAG_ENDS = (b"", b" ", b">", b"/", b"\t", b"\n", b"\r", b"\x0c")
_MARKUP_ANYWHERE = (b"<script", b"<html", b"<svg", b"<iframe", b"<!doctype html", b"<body")


# --- The assignment of a lesson ------------------------------------------------------------


def assignment_for(lesson: Lesson) -> Assignment:
    """The assignment of an assignment lesson, created with the defaults on first use."""
    if lesson.kind != Lesson.Kind.ASSIGNMENT:
        raise ValueError(f"lesson {lesson.pk} is not an assignment")
    assignment, _created = Assignment.objects.get_or_create(lesson=lesson)
    return assignment


def course_of(assignment: Assignment) -> Course:
    return assignment.lesson.section.course


def extensions(assignment: Assignment) -> list[str]:
    return parse_extensions(assignment.allowed_extensions)


def parse_extensions(text: str) -> list[str]:
    """ "PDF, .hwp  docx" → ["pdf", "hwp", "docx"] (commas or spaces, dots and case ignored)."""
    parts = text.replace(",", " ").split()
    seen: list[str] = []
    for part in parts:
        ext = part.strip().lstrip(".").lower()
        if ext and ext not in seen:
            seen.append(ext)
    return seen


def settings_errors(assignment: Assignment) -> dict[str, str]:
    """What is wrong with an assignment's settings, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    if not assignment.allow_text and not assignment.allow_files:
        errors["allow_files"] = _("Allow a text answer, file uploads or both.")
    if assignment.accept_until and not assignment.due_at:
        errors["accept_until"] = _("Set the due date first.")
    elif (
        assignment.accept_until
        and assignment.due_at
        and assignment.accept_until < assignment.due_at
    ):
        errors["accept_until"] = _("Late work can only be accepted until after the due date.")
    if assignment.late_policy == Policy.PENALTY and not assignment.late_penalty_percent:
        errors["late_penalty_percent"] = _("Give the late penalty in percent (1 to 100).")
    if assignment.late_policy != Policy.PENALTY and assignment.late_penalty_percent:
        errors["late_penalty_percent"] = _(
            "A penalty applies only when late work is accepted with a penalty. Set it to 0."
        )
    if assignment.late_policy == Policy.REFUSE and assignment.accept_until:
        errors["accept_until"] = _("Late work is refused, so leave this empty.")
    if assignment.max_file_mb > FILE_MAX_MB:
        errors["max_file_mb"] = _("A file can be at most %(mb)d MB.") % {"mb": FILE_MAX_MB}
    wanted = parse_extensions(assignment.allowed_extensions)
    bad = [ext for ext in wanted if not ext.isalnum() or len(ext) > 10]
    dangerous = [ext for ext in wanted if ext in DANGEROUS_EXTENSIONS]
    if bad:
        errors["allowed_extensions"] = _("These are not file endings: %(list)s.") % {
            "list": ", ".join(bad)
        }
    elif dangerous:
        errors["allowed_extensions"] = _(
            "These file types can run in a browser or on a computer and are never accepted: "
            "%(list)s."
        ) % {"list": ", ".join(dangerous)}
    elif assignment.allow_files and not wanted:
        errors["allowed_extensions"] = _("List at least one file ending, such as pdf.")
    if assignment.max_score is not None and assignment.max_score <= 0:
        errors["max_score"] = _("The maximum score must be more than 0.")
    if assignment.pass_score is not None:
        if assignment.pass_score < 0:
            errors["pass_score"] = _("The pass score cannot be negative.")
        elif assignment.max_score is not None and assignment.pass_score > assignment.max_score:
            errors["pass_score"] = _("The pass score cannot be above the maximum score.")
    if assignment.rubric is not None:
        problem = rubric_problem(assignment.rubric)
        if problem:
            errors["rubric"] = problem
    return errors


@transaction.atomic
def save_settings(actor: User, assignment: Assignment) -> Assignment:
    if not access.can_manage_course(actor, course_of(assignment)):
        raise PermissionDenied(_("You cannot change this assignment."))
    errors = settings_errors(assignment)
    if errors:
        raise ValidationError(errors)
    assignment.allowed_extensions = ", ".join(parse_extensions(assignment.allowed_extensions))
    assignment.save()
    return assignment


# --- The submission window -----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    open: bool
    late: bool  # a submission now would be late
    reason: str = ""  # why it is closed


def window(assignment: Assignment, now: datetime.datetime | None = None) -> Window:
    now = now or timezone.now()
    if assignment.due_at is None or now <= assignment.due_at:
        return Window(open=True, late=False)
    if assignment.late_policy == Policy.REFUSE:
        return Window(False, True, _("The due date has passed and late work is not accepted."))
    if assignment.accept_until is not None and now > assignment.accept_until:
        return Window(
            False, True, _("The due date has passed and late work is no longer accepted.")
        )
    return Window(open=True, late=True)


# --- File checks ---------------------------------------------------------------------------


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff_danger(head: bytes) -> str | None:
    """Why the first bytes of a file look like something a browser renders or a computer runs
    (a web page, SVG/XML, a program or script); None when they do not."""
    if head.startswith(_EXECUTABLE_STARTS):
        return _("it is a program or script")
    text = head
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = text.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
        except UnicodeError:  # pragma: no cover - "ignore" does not raise
            text = head
    text = text.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    for start in _MARKUP_STARTS:
        if text.startswith(start):
            following = text[len(start) : len(start) + 1]
            if start in (b"<!--", b"<?xml") or following in _TAG_ENDS:
                return _("it is a web page, SVG or XML document")
    for marker in _MARKUP_ANYWHERE:
        if marker in text:
            return _("it contains web page code")
    return None


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def file_errors(
    files: Sequence[UploadedFile],
    *,
    allowed: Iterable[str] | None,
    max_files: int,
    max_file_mb: int,
    already: int = 0,
    already_bytes: int = 0,
) -> list[str]:
    """Every problem with ``files`` (empty list: all fine). ``allowed`` None accepts any ending
    that is not dangerous (teachers' instruction and feedback files). ``already`` counts files
    carried over from an earlier version."""
    errors: list[str] = []
    allowed_set = set(allowed) if allowed is not None else None
    if len(files) + already > max_files:
        errors.append(
            ngettext(
                "Attach at most %(n)d file; you sent %(sent)d.",
                "Attach at most %(n)d files; you sent %(sent)d.",
                max_files,
            )
            % {"n": max_files, "sent": len(files) + already}
        )
    limit = min(max_file_mb, FILE_MAX_MB) * MB
    total = already_bytes
    for upload in files:
        name = upload.name or ""
        ext = extension_of(name)
        total += upload.size or 0
        if not upload.size:
            errors.append(_("«%(name)s» is empty.") % {"name": name})
            continue
        if upload.size > limit:
            errors.append(
                _("«%(name)s» is larger than %(mb)d MB.")
                % {"name": name, "mb": min(max_file_mb, FILE_MAX_MB)}
            )
            continue
        if ext in DANGEROUS_EXTENSIONS or (allowed_set is not None and ext not in allowed_set):
            if allowed_set is not None:
                errors.append(
                    _("«%(name)s»: this type of file is not accepted. Accepted: %(list)s.")
                    % {"name": name, "list": ", ".join(sorted(allowed_set))}
                )
            else:
                errors.append(_("«%(name)s»: this type of file is not accepted.") % {"name": name})
            continue
        head = _read_head(upload)
        danger = sniff_danger(head)
        if danger:
            errors.append(
                _("«%(name)s» is refused: %(reason)s.") % {"name": name, "reason": danger}
            )
            continue
        signatures = SIGNATURES.get(ext)
        if signatures and not head.startswith(signatures):
            errors.append(
                _("«%(name)s» is not really a %(ext)s file.") % {"name": name, "ext": ext.upper()}
            )
    if total > SUBMISSION_MAX_BYTES:
        errors.append(
            _("Together the files may be at most %(mb)d MB.") % {"mb": SUBMISSION_MAX_BYTES // MB}
        )
    return errors


def _clean_name(name: str | None) -> str:
    """The uploader's file name as shown and offered on download: no folders, no control
    characters (it goes into a header), at most 255 characters."""
    name = "".join(ch for ch in (name or "") if ch.isprintable())
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
    if len(name) > 255:
        ext = extension_of(name)
        name = name[: 250 - len(ext)] + ("." + ext if ext else "")
    return name


def _delete_later(fields: list) -> None:
    """Delete stored files once the transaction commits (kept when it rolls back)."""
    for field in fields:
        name, storage = field.name, field.storage
        transaction.on_commit(partial(storage.delete, name))


# --- Instruction files ---------------------------------------------------------------------


@transaction.atomic
def add_instruction_files(
    actor: User, assignment: Assignment, files: Sequence[UploadedFile]
) -> list[AssignmentFile]:
    if not access.can_manage_course(actor, course_of(assignment)):
        raise PermissionDenied(_("You cannot change this assignment."))
    if not files:
        raise ValidationError(_("Choose at least one file."))
    errors = file_errors(
        files,
        allowed=None,
        max_files=INSTRUCTION_MAX_FILES,
        max_file_mb=FILE_MAX_MB,
        already=assignment.files.count(),
    )
    if errors:
        raise ValidationError(errors)
    saved = []
    stored = []
    try:
        for upload in files:
            row = AssignmentFile(
                assignment=assignment,
                name=_clean_name(upload.name),
                size=upload.size or 0,  # (file_errors refused files without a size)
            )
            row.file.save(upload.name, upload, save=False)
            stored.append(row.file)
            row.save()
            saved.append(row)
    except Exception:
        for field in stored:
            field.storage.delete(field.name)
        raise
    return saved


@transaction.atomic
def remove_instruction_file(actor: User, file: AssignmentFile) -> None:
    if not access.can_manage_course(actor, course_of(file.assignment)):
        raise PermissionDenied(_("You cannot change this assignment."))
    _delete_later([file.file])
    file.delete()


# --- Submitting ----------------------------------------------------------------------------


def submit(
    student: User,
    assignment: Assignment,
    *,
    text: str = "",
    files: Sequence[UploadedFile] = (),
    keep_files: bool = False,
    now: datetime.datetime | None = None,
) -> SubmissionVersion:
    """Hand in a new version. Every check runs before anything is written; the version, its
    files and the submission's summary are written in one transaction, and a file stored before
    a failure is removed again, so a submission is all there or not there at all."""
    now = now or timezone.now()
    course = course_of(assignment)
    if not access.is_enrolled(student, course):
        raise PermissionDenied(_("Only students enrolled in the course can submit."))
    if not course_selectors.is_open(course, timezone.localdate(now)):
        raise ValidationError(_("This course is not open now."))
    state = window(assignment, now)
    if not state.open:
        raise ValidationError(state.reason)
    text = (text or "").replace("\r\n", "\n").strip()
    files = list(files)
    errors: list[str] = []
    if text and not assignment.allow_text:
        errors.append(_("This assignment takes files only, not a text answer."))
    if len(text) > TEXT_MAX_CHARS:
        errors.append(_("The text is too long (at most %(n)d characters).") % {"n": TEXT_MAX_CHARS})
    previous = latest_version(assignment, student)
    carried: list[SubmissionFile] = []
    if keep_files and previous is not None:
        carried = list(previous.files.all())
    if (files or carried) and not assignment.allow_files:
        errors.append(_("This assignment takes a text answer only, not files."))
    elif files or carried:
        errors += file_errors(
            files,
            allowed=extensions(assignment),
            max_files=assignment.max_files,
            max_file_mb=assignment.max_file_mb,
            already=len(carried),
            already_bytes=sum(f.size for f in carried),
        )
    if not text and not files and not carried:
        errors.append(
            _("Write your answer or attach a file.")
            if assignment.allow_text and assignment.allow_files
            else _("Write your answer.")
            if assignment.allow_text
            else _("Attach a file.")
        )
    if errors:
        raise ValidationError(errors)
    stored = []
    try:
        with transaction.atomic():
            submission, _created = Submission.objects.get_or_create(
                assignment=assignment,
                student=student,
                defaults={"submitted_at": now, "is_late": state.late},
            )
            submission = Submission.objects.select_for_update().get(pk=submission.pk)
            number = (submission.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            version = SubmissionVersion.objects.create(
                submission=submission,
                number=number,
                text=text,
                submitted_at=now,
                is_late=state.late,
            )
            for old in carried:
                # The same stored file: student files are never deleted, so sharing is safe.
                SubmissionFile.objects.create(
                    version=version, file=old.file.name, name=old.name, size=old.size
                )
            for upload in files:
                row = SubmissionFile(
                    version=version,
                    name=_clean_name(upload.name),
                    size=upload.size or 0,  # (file_errors refused files without a size)
                )
                row.file.save(upload.name, upload, save=False)
                stored.append(row.file)
                row.save()
            submission.submitted_at = now
            submission.is_late = state.late
            submission.version_count = number
            submission.save(update_fields=["submitted_at", "is_late", "version_count"])
            learning_records.submitted(student, assignment, now)
            if assignment.pass_score is None:
                courses.complete_lesson(student, assignment.lesson, now)
    except Exception:
        for field in stored:
            field.storage.delete(field.name)
        raise
    return version


def latest_version(assignment: Assignment, student: User) -> SubmissionVersion | None:
    return (
        SubmissionVersion.objects.filter(
            submission__assignment=assignment, submission__student=student
        )
        .order_by("-number")
        .first()
    )


def versions_of(submission: Submission) -> list[SubmissionVersion]:
    """All versions, newest first, with their files."""
    return list(submission.versions.order_by("-number").prefetch_related("files"))


# --- Grading -------------------------------------------------------------------------------


def rubric_problem(rubric: Rubric) -> str | None:
    """Why ``rubric`` cannot grade yet (None: it can)."""
    criteria = list(rubric.criteria.prefetch_related("levels"))
    if not criteria:
        return _("The rubric has no criteria yet.")
    for criterion in criteria:
        if not criterion.levels.all():
            return _("The criterion «%(title)s» has no levels yet.") % {"title": criterion.title}
    if rubric_max(rubric) <= 0:
        return _("The rubric's best levels are worth 0 points.")
    return None


def rubric_max(rubric: Rubric) -> Decimal:
    """The best total: each criterion's highest level, added up."""
    total = Decimal(0)
    for criterion in rubric.criteria.prefetch_related("levels"):
        points = [level.points for level in criterion.levels.all()]
        total += max(points, default=Decimal(0))
    return total


def rubric_raw_score(
    assignment: Assignment, rubric: Rubric, level_points: Iterable[Decimal]
) -> Decimal:
    """Picked levels' points of ``rubric`` (the assignment's), scaled to its maximum score."""
    best = rubric_max(rubric)
    total = sum(level_points, Decimal(0))
    return (total * assignment.max_score / best).quantize(CENT, ROUND_HALF_UP)


def late_factor(assignment: Assignment, is_late: bool) -> Decimal:
    if is_late and assignment.late_policy == Policy.PENALTY:
        return Decimal(100 - assignment.late_penalty_percent) / Decimal(100)
    return Decimal(1)


def apply_late_penalty(assignment: Assignment, raw: Decimal, is_late: bool) -> Decimal:
    return (raw * late_factor(assignment, is_late)).quantize(CENT, ROUND_HALF_UP)


def raw_score_of(submission: Submission) -> Decimal | None:
    """The score before the late penalty, for showing and regrading: recomputed from the rubric
    levels when graded by rubric, else from the stored score (None when it cannot be known,
    e.g. a 100 % penalty)."""
    if submission.score is None:
        return None
    assignment = submission.assignment
    if assignment.rubric is not None:
        scores = list(submission.rubric_scores.select_related("level", "criterion"))
        criteria = set(assignment.rubric.criteria.values_list("pk", flat=True))
        if scores and {s.criterion_id for s in scores} == criteria:
            return rubric_raw_score(assignment, assignment.rubric, [s.level.points for s in scores])
    factor = late_factor(assignment, submission.is_late)
    if factor == 0:
        return None
    return (submission.score / factor).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class RubricPick:
    criterion_id: int
    level_id: int
    comment: str = ""


def grade(
    teacher: User,
    submission: Submission,
    *,
    score: Decimal | None = None,
    picks: Sequence[RubricPick] = (),
    feedback: str = "",
    feedback_file: UploadedFile | None = None,
    remove_feedback_file: bool = False,
    now: datetime.datetime | None = None,
) -> Submission:
    """Grade (or regrade) the latest version. With a rubric, ``picks`` must choose one level of
    every criterion and the score is computed; otherwise ``score`` is the raw score (0 to the
    maximum). The late penalty is applied on top (see the module's docstring)."""
    now = now or timezone.now()
    assignment = submission.assignment
    if not access.can_manage_course(teacher, course_of(assignment)):
        raise PermissionDenied(_("You cannot grade this assignment."))
    errors: list[str] = []
    chosen: dict[int, RubricPick] = {}
    levels = {}
    if assignment.rubric is not None:
        problem = rubric_problem(assignment.rubric)
        if problem:
            raise ValidationError(problem)
        criteria = list(assignment.rubric.criteria.prefetch_related("levels"))
        by_criterion = {pick.criterion_id: pick for pick in picks}
        for criterion in criteria:
            pick = by_criterion.get(criterion.pk)
            level = None
            if pick is not None:
                level = next((lv for lv in criterion.levels.all() if lv.pk == pick.level_id), None)
            if pick is None or level is None:
                errors.append(_("Pick a level for «%(title)s».") % {"title": criterion.title})
            else:
                chosen[criterion.pk] = pick
                levels[criterion.pk] = level
        raw = None
        if not errors:
            raw = rubric_raw_score(
                assignment, assignment.rubric, [level.points for level in levels.values()]
            )
    else:
        raw = score
        if raw is None:
            errors.append(_("Give a score."))
        elif raw < 0 or raw > assignment.max_score:
            errors.append(
                _("The score must be between 0 and %(max)s.") % {"max": assignment.max_score}
            )
    if feedback_file is not None:
        errors += file_errors([feedback_file], allowed=None, max_files=1, max_file_mb=FILE_MAX_MB)
    if errors or raw is None:  # (no score: its error is among the errors)
        raise ValidationError(errors)
    final = apply_late_penalty(assignment, raw, submission.is_late)
    stored = []
    try:
        with transaction.atomic():
            submission = Submission.objects.select_for_update().get(pk=submission.pk)
            if assignment.rubric_id:
                RubricScore.objects.filter(submission=submission).exclude(
                    criterion_id__in=list(chosen)
                ).delete()
                for criterion_id, pick in chosen.items():
                    RubricScore.objects.update_or_create(
                        submission=submission,
                        criterion_id=criterion_id,
                        defaults={"level": levels[criterion_id], "comment": pick.comment.strip()},
                    )
            else:
                RubricScore.objects.filter(submission=submission).delete()
            # The name, not the FieldFile: saving a new file renames that object in place.
            old_name = submission.feedback_file.name or ""
            storage = submission.feedback_file.storage
            if feedback_file is not None:
                submission.feedback_file.save(feedback_file.name, feedback_file, save=False)
                stored.append(submission.feedback_file)
                submission.feedback_file_name = _clean_name(feedback_file.name)
            elif remove_feedback_file:
                submission.feedback_file = ""
                submission.feedback_file_name = ""
            if old_name and (feedback_file is not None or remove_feedback_file):
                transaction.on_commit(lambda: storage.delete(old_name))
            submission.score = final
            submission.feedback = (feedback or "").strip()
            submission.graded_by = teacher
            submission.graded_at = now
            submission.save()
            learning_records.assignment_scored(submission.student, assignment, final, now)
            notify(
                [submission.student],
                gettext_noop("Your assignment was graded: %(title)s"),
                url=reverse("assessments:assignment", args=[assignment.lesson_id]),
                kind=NotificationKind.GRADE,
                params={"title": assignment.lesson.title},
            )
            if assignment.pass_score is not None and final >= assignment.pass_score:
                courses.complete_lesson(submission.student, assignment.lesson, now)
    except Exception:
        for field in stored:
            field.storage.delete(field.name)
        raise
    return submission


def needs_regrading(submission: Submission) -> bool:
    """Graded, but the student sent a newer version since."""
    return submission.graded_at is not None and submission.submitted_at > submission.graded_at


# --- Publishing, counts, the gradebook -----------------------------------------------------


@transaction.atomic
def set_published(
    teacher: User, assignment: Assignment, submission_ids: Iterable[int], published: bool
) -> int:
    """Show (or stop showing) the chosen submissions to the class. Every id must be a
    submission of this assignment, or nothing changes."""
    if not access.can_manage_course(teacher, course_of(assignment)):
        raise PermissionDenied(_("You cannot change this assignment."))
    ids = set(submission_ids)
    if not ids:
        raise ValidationError(_("Choose at least one submission."))
    rows = Submission.objects.filter(assignment=assignment, pk__in=ids)
    if rows.count() != len(ids):
        raise ValidationError(_("The list changed meanwhile. Reload the page and try again."))
    return rows.update(is_published=published, updated_at=timezone.now())


def published_for(viewer: User, assignment: Assignment) -> list[Submission]:
    """The submissions the teacher showed to the class, for an enrolled student or a manager
    (nobody else), each with its latest version and that version's files."""
    course = course_of(assignment)
    if not (access.is_enrolled(viewer, course) or access.can_manage_course(viewer, course)):
        return []
    rows = list(
        Submission.objects.filter(assignment=assignment, is_published=True)
        .select_related("student")
        .order_by("student__name", "pk")
    )
    for row in rows:
        row.latest = row.versions.order_by("-number").prefetch_related("files").first()
    return rows


@dataclass(frozen=True)
class Counts:
    enrolled: int
    submitted: int
    late: int
    graded: int

    @property
    def not_submitted(self) -> int:
        return self.enrolled - self.submitted

    @property
    def key(self) -> str:
        """Changes whenever a figure does (lets the live view skip unchanged updates)."""
        return f"{self.enrolled}-{self.submitted}-{self.late}-{self.graded}"


def counts(assignment: Assignment) -> Counts:
    """Submitted / not submitted / late / graded among the students enrolled now."""
    enrolled = Enrolment.objects.filter(course=course_of(assignment)).values("student_id")
    rows = Submission.objects.filter(assignment=assignment, student_id__in=enrolled)
    return Counts(
        enrolled=enrolled.count(),
        submitted=rows.count(),
        late=rows.filter(is_late=True).count(),
        graded=rows.filter(score__isnull=False).count(),
    )


def roster(assignment: Assignment) -> list[dict]:
    """Each enrolled student with their submission (or None), in class and number order."""
    enrolments = (
        Enrolment.objects.filter(course=course_of(assignment))
        .select_related("student__organisation__parent__parent")
        .order_by("student__organisation__path", "student__number", "student__name")
    )
    submissions = {row.student_id: row for row in Submission.objects.filter(assignment=assignment)}
    return [{"student": e.student, "submission": submissions.get(e.student_id)} for e in enrolments]


# --- Reminders ------------------------------------------------------------------------------

#: Reminders of tomorrow's due work leave from this hour of the day (local time), not at night.
REMIND_FROM_HOUR = 7


def remind_due_tomorrow(now: datetime.datetime | None = None) -> int:
    """Tell each enrolled student who has not handed in an assignment due tomorrow (local
    dates) of it, once per assignment and due date; returns how many were told. Run every hour
    from the periodic task, so work set later in the day is still announced."""
    now = timezone.localtime(now)
    if now.hour < REMIND_FROM_HOUR:
        return 0
    tomorrow = now.date() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    due = Assignment.objects.filter(
        due_at__gte=start,
        due_at__lt=start + datetime.timedelta(days=1),
        lesson__section__course__is_published=True,
    ).select_related("lesson__section__course")
    told = 0
    for assignment in due:
        if assignment.due_at is None:  # (filtered out; for the type checker)
            continue
        students = User.objects.filter(enrolments__course=course_of(assignment)).exclude(
            submissions__assignment=assignment
        )
        told += len(
            notify(
                students,
                gettext_noop("Due tomorrow at %(time)s: %(title)s"),
                url=reverse("assessments:assignment", args=[assignment.lesson_id]),
                kind=NotificationKind.DUE,
                params={
                    "time": timezone.localtime(assignment.due_at).strftime("%H:%M"),
                    "title": assignment.lesson.title,
                },
                event=f"due:{assignment.pk}:{tomorrow.isoformat()}",
            )
        )
    return told
