"""The assignment pages through the test client: handing in, the teacher's settings, overview,
live counts, grading and publishing, download headers, and every refusal."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.models import (
    Assignment,
    AssignmentFile,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from openclass.assessments.services import assignments, rubrics
from openclass.assessments.tests.fixtures import Homework
from openclass.courses.models import LessonProgress

PDF = b"%PDF-1.4\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def client() -> Client:
    """Pages in English, so messages are matched in their source language."""
    return Client(headers={"accept-language": "en"})


def url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


def get(client: Client, user, name: str, *args, **params):
    client.force_login(user)
    return client.get(url(name, *args), params)


def post(client: Client, user, name: str, *args, **data):
    client.force_login(user)
    return client.post(url(name, *args), data)


def hand_in(homework: Homework, student, text: str = "답안", files=()) -> Submission:
    assignments.submit(student, homework.assignment, text=text, files=list(files))
    return Submission.objects.get(assignment=homework.assignment, student=student)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def assert_download(response, name_part: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert name_part in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


# --- The student's page --------------------------------------------------------------------


def test_the_lesson_page_leads_to_the_assignment(client: Client, homework: Homework) -> None:
    course = homework.courses.class_course
    client.force_login(homework.north.student_a1)
    response = client.get(reverse("courses:lesson", args=[course.pk, homework.lesson.pk]))
    assert response.status_code == 302 and response.url == url("assignment", homework.lesson.pk)


def test_student_sees_instructions_due_date_and_time_left(
    client: Client, homework: Homework
) -> None:
    assignment = homework.assignment
    assignment.instructions = "독도에 대해 조사하세요."
    assignment.due_at = timezone.now() + datetime.timedelta(days=2, hours=3)
    assignment.save()
    AssignmentFile.objects.create(
        assignment=assignment, file=ContentFile(PDF, name="a.pdf"), name="자료.pdf", size=len(PDF)
    )
    page = get(client, homework.north.student_a1, "assignment", homework.lesson.pk)
    text = page.content.decode()
    assert page.status_code == 200
    assert "독도에 대해 조사하세요." in text and "자료.pdf" in text
    assert "2\xa0days" in text and "left" in text
    assert 'name="files"' in text and 'name="text"' in text


def test_student_hands_in_and_resubmits_and_sees_every_version(
    client: Client, homework: Homework
) -> None:
    student = homework.north.student_a1
    client.force_login(student)
    page = url("assignment", homework.lesson.pk)
    first = client.post(page, {"text": "첫 답", "files": [upload("보고서.pdf", PDF)]})
    assert first.status_code == 302
    second = client.post(page, {"text": "고친 답", "keep_files": "on"}, follow=True)
    text = second.content.decode()
    assert "Version 2 is handed in." in text
    assert "첫 답" in text and "고친 답" in text and "보고서.pdf" in text
    submission = Submission.objects.get(student=student)
    assert submission.version_count == 2
    assert [v.files.count() for v in assignments.versions_of(submission)] == [1, 1]
    assert LessonProgress.objects.get(student=student, lesson=homework.lesson).completed_at


def test_a_refused_file_shows_why_and_keeps_nothing(client: Client, homework: Homework) -> None:
    client.force_login(homework.north.student_a1)
    response = client.post(
        url("assignment", homework.lesson.pk),
        {"text": "답", "files": [upload("숙제.txt", HTML)]},
    )
    assert response.status_code == 200
    assert (
        "«숙제.txt» is refused: it is a web page, SVG or XML document." in response.content.decode()
    )
    assert not Submission.objects.exists()


def test_late_work_is_marked_and_refused_when_the_policy_says_so(
    client: Client, homework: Homework
) -> None:
    assignment = homework.assignment
    assignment.due_at = timezone.now() - datetime.timedelta(hours=1)
    assignment.late_policy = Assignment.LatePolicy.PENALTY
    assignment.late_penalty_percent = 10
    assignment.save()
    student = homework.north.student_a1
    page = get(client, student, "assignment", homework.lesson.pk).content.decode()
    assert "marked late" in page and "A late penalty of 10 % applies." in page
    client.post(url("assignment", homework.lesson.pk), {"text": "늦은 답"})
    assert Submission.objects.get(student=student).is_late
    assignment.late_policy = Assignment.LatePolicy.REFUSE
    assignment.late_penalty_percent = 0
    assignment.save()
    page = get(client, student, "assignment", homework.lesson.pk).content.decode()
    assert "late work is not accepted" in page and 'name="text"' not in page
    response = client.post(url("assignment", homework.lesson.pk), {"text": "또"}, follow=True)
    assert "late work is not accepted" in response.content.decode()
    assert Submission.objects.get(student=student).version_count == 1


def test_the_page_refuses_outsiders(client: Client, homework: Homework) -> None:
    north, south = homework.north, homework.courses.city.south
    lesson = homework.lesson.pk
    for user in (south.student_a1, south.homeroom_a, south.parent_a1):
        assert get(client, user, "assignment", lesson).status_code == 404
    # Another class of the school: the class course is not even visible.
    assert get(client, north.student_b1, "assignment", lesson).status_code == 404
    assert post(client, north.student_b1, "assignment", lesson, text="x").status_code == 404
    # Sees the course (published for the class) but is not enrolled: no page, no submit.
    course = homework.courses.class_course
    course.enrolments.filter(student=north.student_a2).delete()
    assert get(client, north.student_a2, "assignment", lesson).status_code == 403
    assert post(client, north.student_a2, "assignment", lesson, text="x").status_code == 403
    assert post(client, north.homeroom_a, "assignment", lesson, text="x").status_code == 403
    assert not Submission.objects.exists()


def test_manager_previews_with_links_to_manage(client: Client, homework: Homework) -> None:
    page = get(client, homework.north.homeroom_a, "assignment", homework.lesson.pk)
    text = page.content.decode()
    assert page.status_code == 200
    assert url("assignment_settings", homework.lesson.pk) in text
    assert url("assignment_submissions", homework.lesson.pk) in text
    assert '<dd data-count="not_submitted">2</dd>' in text
    assert 'name="files"' not in text
    assert (
        'data-count="submitted"'
        not in get(
            client, homework.north.student_a1, "assignment", homework.lesson.pk
        ).content.decode()
    )


def test_parent_follows_their_own_child_read_only(client: Client, homework: Homework) -> None:
    north = homework.north
    submission = hand_in(homework, north.student_a1, "우리 아이 답안", [upload("a.pdf", PDF)])
    assignments.grade(
        north.homeroom_a,
        submission,
        score=Decimal(88),
        feedback="잘했어요",
        feedback_file=upload("첨삭.pdf", PDF),
    )
    hand_in(homework, north.student_a2, "다른 아이 답안")
    page = get(client, north.parent_a1, "assignment", homework.lesson.pk).content.decode()
    child_url = url("assignment_student", homework.lesson.pk, north.student_a1.pk)
    assert child_url in page
    assert url("assignment_student", homework.lesson.pk, north.student_a2.pk) not in page
    record = get(
        client, north.parent_a1, "assignment_student", homework.lesson.pk, north.student_a1.pk
    )
    text = record.content.decode()
    assert record.status_code == 200
    assert "88.00" in text and "잘했어요" in text and "첨삭.pdf" in text
    assert "우리 아이 답안" not in text  # status and feedback, not the work itself
    assert url("submission_file", submission.versions.get().files.get().pk) not in text
    assert 'name="score"' not in text
    # Read-only: a grade posted by a parent changes nothing.
    response = post(
        client,
        north.parent_a1,
        "assignment_student",
        homework.lesson.pk,
        north.student_a1.pk,
        score="100",
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.score == Decimal(88)
    assert_download(get(client, north.parent_a1, "feedback_file", submission.pk), "filename")


# --- Privacy: every refusal ----------------------------------------------------------------


def test_students_never_reach_each_others_work(client: Client, homework: Homework) -> None:
    north = homework.north
    mine = hand_in(homework, north.student_a1, "비밀 답안", [upload("비밀.pdf", PDF)])
    assignments.grade(
        north.homeroom_a, mine, score=Decimal(90), feedback_file=upload("fb.pdf", PDF)
    )
    file_id = mine.versions.get().files.get().pk
    other = north.student_a2
    lesson = homework.lesson.pk
    page = get(client, other, "assignment", lesson).content.decode()
    assert "비밀 답안" not in page and "비밀.pdf" not in page
    assert get(client, other, "assignment_student", lesson, north.student_a1.pk).status_code == 404
    assert get(client, other, "submission_file", file_id).status_code == 404
    assert get(client, other, "feedback_file", mine.pk).status_code == 404
    # The owner can.
    assert_download(get(client, north.student_a1, "submission_file", file_id), "filename")
    assert_download(get(client, north.student_a1, "feedback_file", mine.pk), "filename")


def test_a_parent_never_reaches_another_child(client: Client, homework: Homework) -> None:
    north = homework.north
    theirs = hand_in(homework, north.student_a2, "남의 답", [upload("b.pdf", PDF)])
    assignments.grade(
        north.homeroom_a, theirs, score=Decimal(70), feedback_file=upload("fb.pdf", PDF)
    )
    parent, lesson = north.parent_a1, homework.lesson.pk
    assert get(client, parent, "assignment_student", lesson, north.student_a2.pk).status_code == 404
    assert get(client, parent, "feedback_file", theirs.pk).status_code == 404
    file_id = theirs.versions.get().files.get().pk
    assert get(client, parent, "submission_file", file_id).status_code == 404


def test_teachers_of_another_course_get_nothing(client: Client, homework: Homework) -> None:
    north, south = homework.north, homework.courses.city.south
    submission = hand_in(homework, north.student_a1, "답", [upload("a.pdf", PDF)])
    assignments.grade(
        north.homeroom_a, submission, score=Decimal(50), feedback_file=upload("fb.pdf", PDF)
    )
    file_id = submission.versions.get().files.get().pk
    instruction = AssignmentFile.objects.create(
        assignment=homework.assignment, file=ContentFile(PDF, name="i.pdf"), name="i.pdf", size=1
    )
    lesson = homework.lesson.pk
    for teacher in (north.subject_teacher, south.homeroom_a, south.admin):
        for name, args in [
            ("assignment_settings", (lesson,)),
            ("assignment_submissions", (lesson,)),
            ("assignment_counts", (lesson,)),
            ("assignment_student", (lesson, north.student_a1.pk)),
            ("submission_file", (file_id,)),
            ("feedback_file", (submission.pk,)),
        ]:
            assert get(client, teacher, name, *args).status_code == 404, (teacher, name)
        response = post(
            client,
            teacher,
            "assignment_student",
            lesson,
            north.student_a1.pk,
            score="1",
        )
        assert response.status_code == 404
        assert (
            post(client, teacher, "assignment_settings", lesson, max_score="1").status_code == 404
        )
        response = post(
            client, teacher, "assignment_submissions", lesson, submissions=submission.pk, publish=1
        )
        assert response.status_code == 404
        response = post(client, teacher, "assignment_file_delete", lesson, instruction.pk)
        assert response.status_code == 404
    assert get(client, south.homeroom_a, "assignment_file", instruction.pk).status_code == 404
    submission.refresh_from_db()
    assert submission.score == Decimal(50) and not submission.is_published
    assert AssignmentFile.objects.filter(pk=instruction.pk).exists()


def test_instruction_files_reach_only_the_course_and_its_families(
    client: Client, homework: Homework
) -> None:
    instruction = AssignmentFile.objects.create(
        assignment=homework.assignment, file=ContentFile(PDF, name="i.pdf"), name="i.pdf", size=1
    )
    assert (
        get(client, homework.north.student_b1, "assignment_file", instruction.pk).status_code == 404
    )
    assert_download(
        get(client, homework.north.student_a2, "assignment_file", instruction.pk), "i.pdf"
    )
    # Parents follow their enrolled child's assignment, instructions included; others do not.
    south_parent = homework.courses.city.south.parent_a1
    assert get(client, south_parent, "assignment_file", instruction.pk).status_code == 404
    assert_download(
        get(client, homework.north.parent_a1, "assignment_file", instruction.pk), "i.pdf"
    )


# --- Downloads are always attachments ------------------------------------------------------


def test_html_renamed_txt_is_still_served_as_an_octet_stream_attachment(
    client: Client, homework: Homework
) -> None:
    """Defence in depth: even a file that slipped past the checks (stored before they existed,
    or placed by an administrator) is never rendered by the browser."""
    student = homework.north.student_a1
    submission = Submission.objects.create(
        assignment=homework.assignment,
        student=student,
        submitted_at=timezone.now(),
        version_count=1,
    )
    version = SubmissionVersion.objects.create(
        submission=submission, number=1, submitted_at=timezone.now()
    )
    row = SubmissionFile.objects.create(
        version=version, file=ContentFile(HTML, name="x.txt"), name="page.txt", size=len(HTML)
    )
    for user in (student, homework.north.homeroom_a):
        response = get(client, user, "submission_file", row.pk)
        assert_download(response, "page.txt")
        assert b"".join(response.streaming_content) == HTML
        assert "text/html" not in response["Content-Type"]


def test_instruction_files_upload_checked_download_and_remove(
    client: Client, homework: Homework
) -> None:
    teacher, lesson = homework.north.homeroom_a, homework.lesson.pk
    client.force_login(teacher)
    refused = client.post(
        url("assignment_files", lesson), {"files": [upload("page.svg", b"<svg/>")]}, follow=True
    )
    assert "this type of file is not accepted" in refused.content.decode()
    sneaky = client.post(
        url("assignment_files", lesson), {"files": [upload("a.txt", HTML)]}, follow=True
    )
    assert "web page" in sneaky.content.decode()
    assert not AssignmentFile.objects.exists()
    client.post(url("assignment_files", lesson), {"files": [upload("활동지.pdf", PDF)]})
    file = AssignmentFile.objects.get()
    assert file.name == "활동지.pdf" and file.size == len(PDF)
    assert_download(get(client, homework.north.student_a1, "assignment_file", file.pk), "filename")
    response = post(client, teacher, "assignment_file_delete", lesson, file.pk)
    assert response.status_code == 302 and not AssignmentFile.objects.exists()


# --- The teacher's pages -------------------------------------------------------------------


def test_settings_page_saves_and_explains_errors(client: Client, homework: Homework) -> None:
    teacher, lesson = homework.north.homeroom_a, homework.lesson.pk
    form = {
        "instructions": "설명",
        "due_at": "2026-05-04T18:00",
        "late_policy": "penalty",
        "late_penalty_percent": "0",
        "accept_until": "2026-05-03T18:00",
        "allow_text": "on",
        "allow_files": "on",
        "max_files": "3",
        "max_file_mb": "20",
        "allowed_extensions": "pdf, html",
        "max_score": "100",
        "pass_score": "",
        "weight": "1",
    }
    response = post(client, teacher, "assignment_settings", lesson, **form)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Give the late penalty in percent" in text
    assert "Late work can only be accepted until after the due date." in text
    assert "never accepted: html" in text
    homework.assignment.refresh_from_db()
    assert homework.assignment.due_at is None
    form.update(
        late_penalty_percent="10", accept_until="2026-05-06T18:00", allowed_extensions="PDF hwp"
    )
    response = post(client, teacher, "assignment_settings", lesson, **form)
    assert response.status_code == 302
    assignment = Assignment.objects.get(pk=homework.assignment.pk)
    assert assignment.late_penalty_percent == 10 and assignment.allowed_extensions == "pdf, hwp"
    assert timezone.localtime(assignment.due_at).hour == 18


def test_rubric_choices_are_the_teachers_own(client: Client, homework: Homework) -> None:
    mine = rubrics.create_essay_rubric(homework.north.homeroom_a)
    theirs = rubrics.create_essay_rubric(homework.north.subject_teacher)
    page = get(client, homework.north.homeroom_a, "assignment_settings", homework.lesson.pk)
    choices = page.context["form"].fields["rubric"].queryset
    assert mine in choices and theirs not in choices


def test_overview_counts_and_the_live_fragment(client: Client, homework: Homework) -> None:
    north, lesson = homework.north, homework.lesson.pk
    teacher = north.homeroom_a
    page = get(client, teacher, "assignment_submissions", lesson)
    text = page.content.decode()
    assert 'hx-trigger="every 10s"' in text
    counts = page.context["counts"]
    assert (counts.submitted, counts.not_submitted, counts.late) == (0, 2, 0)
    fragment = get(client, teacher, "assignment_counts", lesson, key=counts.key)
    assert fragment.status_code == 204  # nothing changed: the page keeps what it shows
    hand_in(homework, north.student_a1)
    fragment = get(client, teacher, "assignment_counts", lesson, key=counts.key)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert '<dd data-count="submitted">1</dd>' in html
    assert '<dd data-count="not_submitted">1</dd>' in html
    assert f"key={assignments.counts(homework.assignment).key}" in html


def test_grading_page_with_penalty_and_regrade(client: Client, homework: Homework) -> None:
    north, lesson = homework.north, homework.lesson.pk
    assignment = homework.assignment
    assignment.late_policy = Assignment.LatePolicy.PENALTY
    assignment.late_penalty_percent = 25
    assignment.due_at = timezone.now() - datetime.timedelta(days=1)
    assignment.save()
    hand_in(homework, north.student_a1, "늦은 답")
    teacher = north.homeroom_a
    page = get(client, teacher, "assignment_student", lesson, north.student_a1.pk)
    assert "a penalty of 25 % is taken off" in page.content.decode()
    too_high = post(client, teacher, "assignment_student", lesson, north.student_a1.pk, score="101")
    assert too_high.status_code == 200
    assert Submission.objects.get().score is None
    client.force_login(teacher)
    response = client.post(
        url("assignment_student", lesson, north.student_a1.pk),
        {"score": "80", "feedback": "근거를 더", "feedback_file": upload("첨삭.pdf", PDF)},
        follow=True,
    )
    assert "The grade is saved: 60.00 of 100.00." in response.content.decode()  # 80 × 0.75
    submission = Submission.objects.get()
    assert submission.score == Decimal(60) and submission.feedback_file_name == "첨삭.pdf"
    regrade = get(client, teacher, "assignment_student", lesson, north.student_a1.pk)
    assert regrade.context["form"].initial["score"] == Decimal(80)
    client.post(url("assignment_student", lesson, north.student_a1.pk), {"score": "100"})
    assert Submission.objects.get().score == Decimal(75)
    student_page = get(client, north.student_a1, "assignment", lesson).content.decode()
    assert "75.00 / 100.00" in student_page and "late penalty of 25 % included" in student_page
    settings_page = get(client, teacher, "assignment_settings", lesson).content.decode()
    assert "1 submission is already graded." in settings_page


def test_grading_by_rubric_through_the_page(client: Client, homework: Homework) -> None:
    north, lesson = homework.north, homework.lesson.pk
    rubric = rubrics.create_essay_rubric(north.homeroom_a)
    assignment = homework.assignment
    assignment.rubric = rubric
    assignment.max_score = Decimal(20)
    assignment.save()
    hand_in(homework, north.student_a1, "논술 답안")
    criteria = list(rubric.criteria.prefetch_related("levels"))
    data = {}
    for criterion in criteria:
        best = max(criterion.levels.all(), key=lambda level: level.points)
        data[f"level_{criterion.pk}"] = str(best.pk)
        data[f"comment_{criterion.pk}"] = "좋음"
    data[f"level_{criteria[3].pk}"] = str(
        min(criteria[3].levels.all(), key=lambda lv: lv.points).pk
    )
    page = get(client, north.homeroom_a, "assignment_student", lesson, north.student_a1.pk)
    assert 'type="radio"' in page.content.decode() and 'name="score"' not in page.content.decode()
    incomplete = dict(data)
    del incomplete[f"level_{criteria[0].pk}"]
    response = post(
        client, north.homeroom_a, "assignment_student", lesson, north.student_a1.pk, **incomplete
    )
    assert f"Pick a level for «{criteria[0].title}»." in response.content.decode()
    post(client, north.homeroom_a, "assignment_student", lesson, north.student_a1.pk, **data)
    # 25 + 25 + 25 + 6 = 81 of 100, scaled to 20 → 16.20
    assert Submission.objects.get().score == Decimal("16.20")
    student_page = get(client, north.student_a1, "assignment", lesson).content.decode()
    assert "16.20 / 20.00" in student_page and criteria[0].title in student_page


def test_publishing_shows_only_the_selected_work(client: Client, homework: Homework) -> None:
    north, lesson = homework.north, homework.lesson.pk
    shown = hand_in(homework, north.student_a1, "모범 답안 v1", [upload("old.pdf", PDF)])
    assignments.submit(
        north.student_a1, homework.assignment, text="모범 답안 v2", files=[upload("new.pdf", PDF)]
    )
    hidden = hand_in(homework, north.student_a2, "숨은 답안")
    response = post(
        client, north.homeroom_a, "assignment_submissions", lesson, submissions=shown.pk, publish=1
    )
    assert response.status_code == 302
    page = get(client, north.student_a2, "assignment", lesson).content.decode()
    assert "모범 답안 v2" in page and "new.pdf" in page
    assert "모범 답안 v1" not in page and "old.pdf" not in page
    new_file = SubmissionFile.objects.get(name="new.pdf")
    old_file = SubmissionFile.objects.get(name="old.pdf")
    assert_download(get(client, north.student_a2, "submission_file", new_file.pk), "new.pdf")
    assert get(client, north.student_a2, "submission_file", old_file.pk).status_code == 404
    # Not enrolled: nothing, even though published.
    assert get(client, north.parent_a1, "submission_file", new_file.pk).status_code == 404
    page_of_owner = get(client, north.student_a1, "assignment", lesson).content.decode()
    assert "숨은 답안" not in page_of_owner
    assert "Your teacher shows your work to the class." in page_of_owner
    # A stale or foreign id changes nothing.
    response = post(
        client,
        north.homeroom_a,
        "assignment_submissions",
        lesson,
        submissions=[hidden.pk, 999999],
        publish=1,
    )
    assert not Submission.objects.get(pk=hidden.pk).is_published
    post(
        client, north.homeroom_a, "assignment_submissions", lesson, submissions=shown.pk, publish=0
    )
    assert get(client, north.student_a2, "submission_file", new_file.pk).status_code == 404
    assert "모범 답안" not in get(client, north.student_a2, "assignment", lesson).content.decode()


# --- In a real browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_browser_a_student_hands_in_and_the_teachers_counts_follow(
    live_server, homework: Homework, settings, monkeypatch, tmp_path
) -> None:
    """A student hands in from a phone; the teacher's overview, left open on a desktop, shows
    the new figures by itself (htmx polling under the real CSP); axe finds nothing serious.
    Uses its own Playwright (not the session's ``chromium``), stopped before the database is
    cleaned up: Playwright's sync API keeps an event loop running in this thread meanwhile."""
    from playwright.sync_api import sync_playwright

    from openclass.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The test's own ORM calls run beside Playwright's loop; they are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            _hand_in_and_watch(live_server, chromium, homework, settings, tmp_path)
        finally:
            chromium.close()


def _hand_in_and_watch(live_server, chromium, homework: Homework, settings, tmp_path) -> None:
    from playwright.sync_api import expect

    from openclass.core.tests.browser import (
        DESKTOP,
        PHONE,
        assert_no_horizontal_scroll,
        serious_axe_violations,
    )

    north, lesson = homework.north, homework.lesson.pk
    errors: list[str] = []

    # Everyone signs in before any page is open: the pages then only read.
    cookies = {}
    for user in (north.homeroom_a, north.student_a1):
        client = Client()
        client.force_login(user)
        cookies[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def page_for(user, options: dict, **extra):
        context = chromium.new_context(base_url=live_server.url, locale="ko-KR", **options, **extra)
        cookie = cookies[user.pk]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    teacher = page_for(north.homeroom_a, DESKTOP)
    teacher.goto(url("assignment_submissions", lesson))
    expect(teacher.locator("[data-count=submitted]")).to_have_text("0")
    expect(teacher.locator("[data-count=not_submitted]")).to_have_text("2")

    student = page_for(north.student_a1, PHONE)
    student.goto(url("assignment", lesson))
    assert_no_horizontal_scroll(student)
    student.locator("#id_text").fill("독도는 우리 땅입니다.")
    pdf = tmp_path / "보고서.pdf"
    pdf.write_bytes(PDF)
    student.locator("#id_files").set_input_files(str(pdf))
    # A double click hands in once (the second submit waits for the first).
    student.get_by_role("button", name=re.compile("제출|Hand in")).dblclick()
    expect(student.locator(".versions > li")).to_have_count(1)
    assert Submission.objects.get(student=north.student_a1).version_count == 1
    expect(student.locator(".versions")).to_contain_text("보고서.pdf")
    assert_no_horizontal_scroll(student)

    # The teacher did not reload: the fragment polled every 10 s brings the new figures.
    expect(teacher.locator("[data-count=submitted]")).to_have_text("1", timeout=25_000)
    expect(teacher.locator("[data-count=not_submitted]")).to_have_text("1")
    assignments.submit(north.student_a2, homework.assignment, text="늦게라도")
    expect(teacher.locator("[data-count=submitted]")).to_have_text("2", timeout=25_000)

    problems: list[str] = []
    for user, options, path in (
        (north.homeroom_a, PHONE, url("assignment_submissions", lesson)),
        (north.homeroom_a, DESKTOP, url("assignment_student", lesson, north.student_a1.pk)),
        (north.student_a1, PHONE, url("assignment", lesson)),
    ):
        # axe is injected inline, which the CSP blocks: only these pages bypass it.
        page = page_for(user, options, bypass_csp=True)
        page.goto(path)
        problems += serious_axe_violations(page)
        assert_no_horizontal_scroll(page)
    assert not problems, problems
    assert not errors, errors
