"""Assignment rules: settings, the late policy and accept-until, file checks before anything is
written, versions kept on resubmission, grading with the late penalty and by rubric (computed
by hand), completion, publishing and the live counts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from openclass.assessments.models import (
    Assignment,
    RubricScore,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from openclass.assessments.services import assignments, rubrics
from openclass.assessments.tests.fixtures import Homework
from openclass.courses.models import Lesson, LessonProgress

Policy = Assignment.LatePolicy
DUE = timezone.make_aware(datetime.datetime(2026, 5, 4, 18, 0))
BEFORE = DUE - datetime.timedelta(hours=2)
AFTER = DUE + datetime.timedelta(hours=2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in their English source."""
    with translation.override("en"):
        yield


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def configure(homework: Homework, **fields) -> Assignment:
    assignment = homework.assignment
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.save()
    return assignment


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def completed(student, lesson) -> bool:
    return LessonProgress.objects.filter(
        student=student, lesson=lesson, completed_at__isnull=False
    ).exists()


# --- The assignment and its settings -------------------------------------------------------


def test_assignment_for_creates_once_and_only_for_assignment_lessons(homework: Homework) -> None:
    assert assignments.assignment_for(homework.lesson).pk == homework.assignment.pk
    assert Assignment.objects.count() == 1
    with pytest.raises(ValueError):
        assignments.assignment_for(homework.courses.video)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"allow_text": False, "allow_files": False}, "allow_files"),
        ({"accept_until": DUE}, "accept_until"),
        ({"due_at": DUE, "accept_until": BEFORE}, "accept_until"),
        (
            {"due_at": DUE, "late_policy": Policy.PENALTY, "late_penalty_percent": 0},
            "late_penalty_percent",
        ),
        (
            {"due_at": DUE, "late_policy": Policy.ACCEPT, "late_penalty_percent": 10},
            "late_penalty_percent",
        ),
        ({"due_at": DUE, "late_policy": Policy.REFUSE, "accept_until": AFTER}, "accept_until"),
        ({"max_file_mb": 31}, "max_file_mb"),
        ({"allowed_extensions": "pdf, html"}, "allowed_extensions"),
        ({"allowed_extensions": "pdf, s.v.g"}, "allowed_extensions"),
        ({"allowed_extensions": " , "}, "allowed_extensions"),
        ({"max_score": Decimal(0)}, "max_score"),
        ({"max_score": Decimal(10), "pass_score": Decimal(11)}, "pass_score"),
    ],
)
def test_settings_are_checked_with_a_reason(homework: Homework, fields: dict, field: str) -> None:
    assignment = homework.assignment
    for name, value in fields.items():
        setattr(assignment, name, value)
    errors = assignments.settings_errors(assignment)
    assert errors.get(field)
    with pytest.raises(ValidationError):
        assignments.save_settings(homework.north.homeroom_a, assignment)
    assignment.refresh_from_db()
    assert assignment.max_file_mb == 20 and assignment.allow_text  # nothing saved


def test_saving_settings_normalises_endings_and_needs_a_manager(homework: Homework) -> None:
    assignment = homework.assignment
    assignment.allowed_extensions = ".PDF  hwp,docx, pdf"
    assignments.save_settings(homework.north.homeroom_a, assignment)
    assignment.refresh_from_db()
    assert assignment.allowed_extensions == "pdf, hwp, docx"
    assignment.max_score = Decimal(50)
    for outsider in (homework.north.subject_teacher, homework.north.student_a1):
        with pytest.raises(PermissionDenied):
            assignments.save_settings(outsider, assignment)
    assignment.refresh_from_db()
    assert assignment.max_score == Decimal(100)


# --- The window and the late policy --------------------------------------------------------


def test_without_a_due_date_work_is_never_late(homework: Homework) -> None:
    version = assignments.submit(
        homework.north.student_a1, homework.assignment, text="답", now=AFTER
    )
    assert not version.is_late


def test_late_policy_accept_marks_late_until_accept_until(homework: Homework) -> None:
    student = homework.north.student_a1
    assignment = configure(homework, due_at=DUE, accept_until=DUE + datetime.timedelta(days=1))
    assert assignments.window(assignment, DUE) == assignments.Window(open=True, late=False)
    on_time = assignments.submit(student, assignment, text="v1", now=DUE)
    assert not on_time.is_late
    late = assignments.submit(student, assignment, text="v2", now=AFTER)
    assert late.is_late
    last_moment = DUE + datetime.timedelta(days=1)
    assert assignments.submit(student, assignment, text="v3", now=last_moment).is_late
    with pytest.raises(ValidationError, match="no longer accepted"):
        assignments.submit(
            student, assignment, text="v4", now=last_moment + datetime.timedelta(seconds=1)
        )
    submission = Submission.objects.get(student=student)
    assert submission.version_count == 3 and submission.is_late


def test_late_policy_refuse_writes_nothing_after_the_due_date(homework: Homework) -> None:
    assignment = configure(homework, due_at=DUE, late_policy=Policy.REFUSE)
    with pytest.raises(ValidationError, match="not accepted"):
        assignments.submit(
            homework.north.student_a1,
            assignment,
            text="늦음",
            files=[upload("a.pdf", PDF)],
            now=AFTER,
        )
    assert not Submission.objects.exists() and not stored_files()


# --- Submitting: versions, files, completion -----------------------------------------------


def test_resubmission_keeps_every_version_and_its_files(homework: Homework) -> None:
    student = homework.north.student_a1
    assignment = configure(homework, due_at=DUE)
    first = assignments.submit(
        student, assignment, text="첫 번째", files=[upload("보고서.pdf", PDF)], now=BEFORE
    )
    second = assignments.submit(student, assignment, text="두 번째", keep_files=True, now=BEFORE)
    third = assignments.submit(student, assignment, text="세 번째", now=AFTER)
    assert [v.number for v in (first, second, third)] == [1, 2, 3]
    assert list(SubmissionVersion.objects.order_by("number").values_list("text", flat=True)) == [
        "첫 번째",
        "두 번째",
        "세 번째",
    ]
    assert first.files.get().name == "보고서.pdf"
    carried = second.files.get()
    assert carried.file.name == first.files.get().file.name  # the same stored file
    assert carried.file.read() == PDF
    assert not third.files.exists()  # a version is complete on its own
    assert first.files.get().file.storage.exists(first.files.get().file.name)
    submission = Submission.objects.get()
    assert (submission.version_count, submission.is_late) == (3, True)
    assert [v.is_late for v in assignments.versions_of(submission)] == [True, False, False]


def test_files_are_stored_under_random_names(homework: Homework) -> None:
    version = assignments.submit(
        homework.north.student_a1,
        homework.assignment,
        files=[upload("../../내\r\n 과제.pdf", PDF)],
    )
    row = version.files.get()
    assert row.name == "내 과제.pdf"
    assert row.file.name.startswith("submissions/") and "과제" not in row.file.name
    assert row.file.name.endswith(".pdf") and len(Path(row.file.name).stem) == 32


def test_submitting_completes_the_lesson_without_a_pass_score(homework: Homework) -> None:
    student = homework.north.student_a1
    assignments.submit(student, homework.assignment, text="답")
    assert completed(student, homework.lesson)
    assert not completed(homework.north.student_a2, homework.lesson)


def test_only_enrolled_students_submit(homework: Homework) -> None:
    for outsider in (
        homework.north.student_b1,
        homework.north.parent_a1,
        homework.north.homeroom_a,
    ):
        with pytest.raises(PermissionDenied):
            assignments.submit(outsider, homework.assignment, text="x")
    assert not Submission.objects.exists()


def test_a_closed_course_takes_no_submission(homework: Homework) -> None:
    course = homework.courses.class_course
    course.closes_on = datetime.date(2026, 5, 1)
    course.save()
    with pytest.raises(ValidationError, match="not open"):
        assignments.submit(homework.north.student_a1, homework.assignment, text="x", now=DUE)


@pytest.mark.parametrize(
    ("fields", "text", "files", "message"),
    [
        ({}, "", [], "Write your answer or attach a file"),
        ({"allow_text": False}, "글", [], "files only"),
        ({"allow_files": False}, "", [upload("a.pdf", PDF)], "text answer only"),
        (
            {"max_file_mb": 1},
            "",
            [upload("big.pdf", PDF + b"0" * (1024 * 1024))],
            "larger than 1 MB",
        ),
        (
            {"max_files": 1},
            "",
            [upload("a.pdf", PDF), upload("b.pdf", PDF)],
            "Attach at most 1 file; you sent 2.",
        ),
        ({}, "", [upload("a.gif", b"GIF89a....")], "not accepted"),
        ({}, "", [upload("run.exe", b"MZ\x90\x00")], "not accepted"),
        ({}, "", [upload("noext", b"hello")], "not accepted"),
        ({}, "", [upload("empty.txt", b"")], "empty"),
        ({}, "", [upload("page.txt", b"<!DOCTYPE html><html><body>hi</body></html>")], "web page"),
        (
            {},
            "",
            [upload("page.txt", b"\xef\xbb\xbf  <html>\n<script>alert(1)</script>")],
            "web page",
        ),
        (
            {},
            "",
            [upload("note.txt", b"Dear teacher,\n" + b"<script>alert(1)</script>")],
            "web page code",
        ),
        ({}, "", [upload("p.txt", "<svg onload=x>".encode("utf-16"))], "web page"),
        ({}, "", [upload("image.png", b'<?xml version="1.0"?><svg xmlns="x"/>')], "web page"),
        ({}, "", [upload("image.png", b"<svg/onload=alert(1)>")], "web page"),
        ({}, "", [upload("doc.pdf", b"MZ\x90\x00\x03\x00")], "program"),
        ({}, "", [upload("doc.txt", b"\x7fELF\x02\x01")], "program"),
        ({}, "", [upload("run.txt", b"#!/bin/sh\nrm -rf ~\n")], "program"),
        ({}, "", [upload("fake.pdf", b"just some text")], "not really a PDF"),
        ({}, "", [upload("fake.docx", PDF)], "not really a DOCX"),
        ({}, "", [upload("fake.hwp", PDF)], "not really a HWP"),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_written(
    homework: Homework, fields: dict, text: str, files: list, message: str
) -> None:
    assignment = configure(homework, **fields)
    with pytest.raises(ValidationError) as refused:
        assignments.submit(homework.north.student_a1, assignment, text=text, files=files)
    assert any(message in str(m) for m in refused.value.messages), refused.value.messages
    assert not Submission.objects.exists()
    assert not SubmissionFile.objects.exists()
    assert not stored_files()
    assert not completed(homework.north.student_a1, homework.lesson)


def test_one_bad_file_refuses_the_whole_submission(homework: Homework) -> None:
    student = homework.north.student_a1
    assignments.submit(student, homework.assignment, text="v1")
    with pytest.raises(ValidationError, match="web page"):
        assignments.submit(
            student,
            homework.assignment,
            text="v2",
            files=[upload("good.pdf", PDF), upload("bad.txt", b"<html></html>")],
        )
    submission = Submission.objects.get()
    assert submission.version_count == 1
    assert not SubmissionFile.objects.exists() and not stored_files()


def test_good_files_of_every_known_kind_are_accepted(homework: Homework) -> None:
    assignment = configure(homework, max_files=5)
    files = [
        upload("a.pdf", PDF),
        upload("b.hwp", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20),
        upload("c.docx", b"PK\x03\x04" + b"\x00" * 20),
        upload("d.txt", "독도는 우리 땅입니다. 1 < 2 and a <b> tag inline".encode()),
        upload("e.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ]
    version = assignments.submit(homework.north.student_a1, assignment, files=files)
    assert version.files.count() == 5 and len(stored_files()) == 5


def test_a_failure_while_storing_removes_the_files_already_stored(
    homework: Homework, monkeypatch
) -> None:
    calls = {"n": 0}
    original = SubmissionFile.save

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SubmissionFile, "save", failing_save)
    with pytest.raises(OSError):
        assignments.submit(
            homework.north.student_a1,
            homework.assignment,
            files=[upload("a.pdf", PDF), upload("b.pdf", PDF)],
        )
    assert not Submission.objects.exists() and not stored_files()


@pytest.mark.parametrize(
    "head",
    [b"%PDF-1.7", b"PK\x03\x04", "안녕하세요 <b>굵게</b>".encode(), b"x < y > z"],
)
def test_ordinary_content_is_not_called_dangerous(head: bytes) -> None:
    assert assignments.sniff_danger(head) is None


# --- Grading -------------------------------------------------------------------------------


def graded_submission(homework: Homework, when=BEFORE, **fields) -> Submission:
    assignment = configure(homework, due_at=DUE, **fields)
    assignments.submit(homework.north.student_a1, assignment, text="답안", now=when)
    return Submission.objects.get(student=homework.north.student_a1)


def test_a_score_with_the_late_penalty_by_hand(homework: Homework) -> None:
    submission = graded_submission(
        homework, when=AFTER, late_policy=Policy.PENALTY, late_penalty_percent=20
    )
    teacher = homework.north.homeroom_a
    graded = assignments.grade(teacher, submission, score=Decimal("87.5"), feedback=" 좋아요 ")
    # 87.5 × (100 − 20) / 100 = 70.00
    assert graded.score == Decimal("70.00")
    assert graded.feedback == "좋아요" and graded.graded_by == teacher
    assert assignments.raw_score_of(graded) == Decimal("87.50")
    # 33.33 × 0.8 = 26.664 → 26.66
    assert assignments.grade(teacher, graded, score=Decimal("33.33")).score == Decimal("26.66")


def test_no_penalty_on_time_or_under_the_accept_policy(homework: Homework) -> None:
    on_time = graded_submission(homework, late_policy=Policy.PENALTY, late_penalty_percent=20)
    assert assignments.grade(homework.north.homeroom_a, on_time, score=Decimal(90)).score == 90
    configure(homework, late_policy=Policy.ACCEPT, late_penalty_percent=0)
    assignments.submit(homework.north.student_a2, homework.assignment, text="늦음", now=AFTER)
    late = Submission.objects.get(student=homework.north.student_a2)
    assert late.is_late
    assert assignments.grade(homework.north.homeroom_a, late, score=Decimal(90)).score == 90


@pytest.mark.parametrize("score", [None, Decimal(-1), Decimal("100.01")])
def test_a_score_out_of_range_is_refused(homework: Homework, score) -> None:
    submission = graded_submission(homework)
    with pytest.raises(ValidationError):
        assignments.grade(homework.north.homeroom_a, submission, score=score)
    submission.refresh_from_db()
    assert submission.score is None and submission.graded_at is None


def test_only_the_course_managers_grade(homework: Homework) -> None:
    submission = graded_submission(homework)
    north, south = homework.north, homework.courses.city.south
    for outsider in (north.subject_teacher, south.homeroom_a, north.student_a1, north.parent_a1):
        with pytest.raises(PermissionDenied):
            assignments.grade(outsider, submission, score=Decimal(100))
    submission.refresh_from_db()
    assert submission.score is None


def test_a_pass_score_completes_the_lesson_only_when_reached(homework: Homework) -> None:
    student, teacher = homework.north.student_a1, homework.north.homeroom_a
    submission = graded_submission(homework, pass_score=Decimal(60))
    assert not completed(student, homework.lesson)  # submitting is not enough
    assignments.grade(teacher, submission, score=Decimal("59.99"))
    assert not completed(student, homework.lesson)
    assignments.grade(teacher, submission, score=Decimal(60))  # a regrade
    assert completed(student, homework.lesson)


def test_the_late_penalty_counts_towards_the_pass_score(homework: Homework) -> None:
    submission = graded_submission(
        homework,
        when=AFTER,
        late_policy=Policy.PENALTY,
        late_penalty_percent=50,
        pass_score=Decimal(60),
    )
    assignments.grade(homework.north.homeroom_a, submission, score=Decimal(100))
    assert not completed(homework.north.student_a1, homework.lesson)  # 100 × 0.5 = 50 < 60


def test_rubric_grading_scaled_and_penalised_by_hand(homework: Homework) -> None:
    teacher = homework.north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    submission = graded_submission(
        homework,
        when=AFTER,
        rubric=rubric,
        max_score=Decimal(50),
        late_policy=Policy.PENALTY,
        late_penalty_percent=10,
    )
    criteria = list(rubric.criteria.prefetch_related("levels"))
    by_points = [{lv.points: lv for lv in c.levels.all()} for c in criteria]
    picks = [
        assignments.RubricPick(criteria[0].pk, by_points[0][25].pk, "정확함"),
        assignments.RubricPick(criteria[1].pk, by_points[1][18].pk),
        assignments.RubricPick(criteria[2].pk, by_points[2][12].pk),
        assignments.RubricPick(criteria[3].pk, by_points[3][6].pk),
    ]
    graded = assignments.grade(teacher, submission, picks=picks)
    # (25 + 18 + 12 + 6) = 61 of 100 → 61 × 50 / 100 = 30.50; late −10 % → 27.45
    assert graded.score == Decimal("27.45")
    assert assignments.raw_score_of(graded) == Decimal("30.50")
    assert RubricScore.objects.get(criterion=criteria[0]).comment == "정확함"
    # Regrade: every criterion at its best → 50 × 0.9 = 45.00, still one row per criterion.
    best = [
        assignments.RubricPick(c.pk, max(c.levels.all(), key=lambda lv: lv.points).pk)
        for c in criteria
    ]
    assert assignments.grade(teacher, graded, picks=best).score == Decimal("45.00")
    assert RubricScore.objects.filter(submission=submission).count() == 4
    assert assignments.rubric_max(rubric) == Decimal(100)


def test_rubric_grading_needs_a_level_of_each_criterion(homework: Homework) -> None:
    teacher = homework.north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    submission = graded_submission(homework, rubric=rubric)
    criteria = list(rubric.criteria.prefetch_related("levels"))
    missing = [assignments.RubricPick(c.pk, c.levels.all()[0].pk) for c in criteria[:3]]
    with pytest.raises(ValidationError, match=criteria[3].title):
        assignments.grade(teacher, submission, picks=missing)
    # A level of another criterion does not count for this one.
    wrong = [*missing, assignments.RubricPick(criteria[3].pk, criteria[0].levels.all()[0].pk)]
    with pytest.raises(ValidationError):
        assignments.grade(teacher, submission, picks=wrong)
    assert not RubricScore.objects.exists()
    submission.refresh_from_db()
    assert submission.score is None


def test_feedback_file_is_checked_and_replaced(
    homework: Homework, django_capture_on_commit_callbacks
) -> None:
    teacher = homework.north.homeroom_a
    submission = graded_submission(homework)
    with pytest.raises(ValidationError, match="web page"):
        assignments.grade(
            teacher,
            submission,
            score=Decimal(80),
            feedback_file=upload("notes.txt", b"<html><script>x</script>"),
        )
    with pytest.raises(ValidationError, match="not accepted"):
        assignments.grade(
            teacher, submission, score=Decimal(80), feedback_file=upload("notes.html", b"hi")
        )
    graded = assignments.grade(
        teacher, submission, score=Decimal(80), feedback_file=upload("첨삭.pdf", PDF)
    )
    first_name = graded.feedback_file.name
    assert graded.feedback_file_name == "첨삭.pdf" and first_name.startswith("submissions/")
    with django_capture_on_commit_callbacks(execute=True):
        graded = assignments.grade(
            teacher, graded, score=Decimal(80), feedback_file=upload("첨삭2.pdf", PDF)
        )
    assert graded.feedback_file.name != first_name
    names = {str(p.relative_to(settings.MEDIA_ROOT)) for p in stored_files()}
    assert first_name not in names and graded.feedback_file.name in names
    graded = assignments.grade(teacher, graded, score=Decimal(80), remove_feedback_file=True)
    assert not graded.feedback_file and graded.feedback_file_name == ""


def test_a_new_version_after_grading_needs_regrading(homework: Homework) -> None:
    submission = graded_submission(homework)
    graded = assignments.grade(homework.north.homeroom_a, submission, score=Decimal(80), now=BEFORE)
    assert not assignments.needs_regrading(graded)
    assignments.submit(
        homework.north.student_a1,
        homework.assignment,
        text="고침",
        now=BEFORE + datetime.timedelta(minutes=5),
    )
    graded.refresh_from_db()
    assert assignments.needs_regrading(graded) and graded.score == Decimal(80)


# --- Publishing and counts -----------------------------------------------------------------


def test_publishing_only_this_assignments_submissions(homework: Homework) -> None:
    north = homework.north
    teacher = north.homeroom_a
    assignments.submit(north.student_a1, homework.assignment, text="모범 답안")
    assignments.submit(north.student_a2, homework.assignment, text="다른 답안")
    mine = Submission.objects.get(student=north.student_a1)
    other_lesson = Lesson.objects.create(
        section=homework.lesson.section, title="다른 과제", kind=Lesson.Kind.ASSIGNMENT
    )
    other = assignments.assignment_for(other_lesson)
    assignments.submit(north.student_a1, other, text="x")
    foreign = Submission.objects.get(assignment=other)
    with pytest.raises(ValidationError):
        assignments.set_published(teacher, homework.assignment, [mine.pk, foreign.pk], True)
    assert not Submission.objects.filter(is_published=True).exists()
    with pytest.raises(PermissionDenied):
        assignments.set_published(north.subject_teacher, homework.assignment, [mine.pk], True)
    assert assignments.published_for(north.student_a2, homework.assignment) == []
    assert assignments.set_published(teacher, homework.assignment, [mine.pk], True) == 1
    shown = assignments.published_for(north.student_a2, homework.assignment)
    assert [row.pk for row in shown] == [mine.pk]
    assert shown[0].latest.text == "모범 답안"
    for outsider in (north.student_b1, north.parent_a1, north.subject_teacher):
        assert assignments.published_for(outsider, homework.assignment) == []


def test_counts_of_submitted_not_submitted_and_late(homework: Homework) -> None:
    north = homework.north
    assignment = configure(homework, due_at=DUE)
    assert assignments.counts(assignment) == assignments.Counts(2, 0, 0, 0)
    assignments.submit(north.student_a1, assignment, text="on time", now=BEFORE)
    assignments.submit(north.student_a2, assignment, text="late", now=AFTER)
    counts = assignments.counts(assignment)
    assert (counts.submitted, counts.not_submitted, counts.late, counts.graded) == (2, 0, 1, 0)
    key = counts.key
    assignments.grade(
        north.homeroom_a, Submission.objects.get(student=north.student_a1), score=Decimal(1)
    )
    assert assignments.counts(assignment).graded == 1
    assert assignments.counts(assignment).key != key
