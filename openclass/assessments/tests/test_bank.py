"""The question bank: who sees, changes, copies and deletes which question; the question form
for every kind with bad input; images served only to those who may see the question."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from openclass.assessments.models import Answer, Attempt, Question, Quiz, QuizQuestion
from openclass.assessments.services import bank as services
from openclass.assessments.tests.fixtures import make_question
from openclass.courses.models import Enrolment, Lesson

Kind = Question.Kind
BANK = reverse("assessments:bank")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def login(client, user):
    client.force_login(user)
    return client


def png(size=(8, 6), color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def upload(content: bytes | None = None, name="picture.png", content_type="image/png"):
    return SimpleUploadedFile(name, content if content is not None else png(), content_type)


def question_post(kind: str, **extra) -> dict:
    data = {
        "kind": kind,
        "text": "새 문제",
        "points": "1",
        "category": "",
        "explanation": "",
        "tolerance": "0",
        "ignore_spaces": "on",
        "choices-TOTAL_FORMS": "0",
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "10",
    }
    choices = extra.pop("choices", [])
    data["choices-TOTAL_FORMS"] = str(len(choices))
    for i, (text, correct) in enumerate(choices):
        data[f"choices-{i}-text"] = text
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(extra)
    return data


def make_quiz(courses, *questions, title="퀴즈") -> Quiz:
    section = courses.class_course.sections.first()
    lesson = Lesson.objects.create(section=section, title=title, kind=Lesson.Kind.QUIZ, position=9)
    quiz = Quiz.objects.create(lesson=lesson)
    for position, question in enumerate(questions, start=1):
        QuizQuestion.objects.create(quiz=quiz, question=question, position=position)
    return quiz


def start_attempt(quiz: Quiz, student, *questions) -> Attempt:
    return Attempt.objects.create(
        quiz=quiz,
        student=student,
        number=Attempt.objects.filter(quiz=quiz, student=student).count() + 1,
        layout=[{"question": q.pk, "points": "1.00", "choices": []} for q in questions],
        started_at=timezone.now(),
    )


# --- Who sees the bank ----------------------------------------------------------------------


def test_list_shows_own_and_school_shared_questions(client, bank, courses):
    colleague_user = courses.city.north.subject_teacher
    colleague = make_question(colleague_user, Kind.ESSAY, "동료 공유", is_shared=True)
    hidden = make_question(colleague_user, Kind.ESSAY, "동료 비공개")
    south_user = courses.city.south.homeroom_a
    south = make_question(south_user, Kind.ESSAY, "남초 공유", is_shared=True)
    page = login(client, bank.owner).get(BANK)
    assert page.status_code == 200
    shown = {q.pk for q in page.context["page"]}
    assert {q.pk for q in bank.questions} | {colleague.pk} == shown
    assert hidden.pk not in shown and south.pk not in shown
    assert colleague.school == courses.city.north.school  # set from the owner's school


def test_filters_by_kind_category_text_and_owner(client, bank, courses):
    colleague = courses.city.north.subject_teacher
    shared = make_question(
        colleague, Kind.SHORT, "동료의 단답", is_shared=True, accepted_answers=["x"]
    )
    login(client, bank.owner)

    def shown(**params):
        return {q.pk for q in client.get(BANK, params).context["page"]}

    assert shown(kind="short") == {bank.short.pk, shared.pk}
    assert shown(category="수학") == {bank.single.pk, bank.multiple.pk}
    assert shown(q="독도") == {bank.short.pk}
    assert shown(whose="shared") == {shared.pk}
    assert shared.pk not in shown(whose="mine")


@pytest.mark.parametrize("who", ["student_a1", "parent_a1"])
def test_students_and_parents_are_refused_everywhere(client, bank, courses, who):
    login(client, getattr(courses.city.north, who))
    question = bank.single.pk
    for url in [
        BANK,
        reverse("assessments:question_create"),
        reverse("assessments:question_detail", args=[question]),
        reverse("assessments:question_edit", args=[question]),
        reverse("assessments:question_delete", args=[question]),
        reverse("assessments:bank_import"),
        reverse("assessments:bank_export"),
        reverse("assessments:bank_template"),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("assessments:question_copy", args=[question])).status_code == 403
    assert client.post(reverse("assessments:question_delete", args=[question])).status_code == 403
    assert Question.objects.filter(pk=question).exists()


def test_anonymous_is_sent_to_login(client, bank):
    response = client.get(BANK)
    assert response.status_code == 302 and "login" in response["Location"]


def test_other_school_teacher_cannot_open_shared_question(client, bank, courses):
    bank.single.is_shared = True
    bank.single.save()
    login(client, courses.city.south.homeroom_a)
    assert (
        client.get(reverse("assessments:question_detail", args=[bank.single.pk])).status_code == 404
    )
    response = client.post(reverse("assessments:question_copy", args=[bank.single.pk]))
    assert response.status_code == 404
    assert not Question.objects.filter(owner=courses.city.south.homeroom_a).exists()
    assert bank.single.pk not in {q.pk for q in client.get(BANK).context["page"]}


def test_colleague_views_and_copies_but_cannot_edit_or_delete(client, bank, courses):
    bank.single.is_shared = True
    bank.single.save()
    colleague = courses.city.north.subject_teacher
    login(client, colleague)
    detail = client.get(reverse("assessments:question_detail", args=[bank.single.pk]))
    assert detail.status_code == 200 and not detail.context["is_owner"]
    edit = reverse("assessments:question_edit", args=[bank.single.pk])
    assert client.get(edit).status_code == 403
    post = question_post(Kind.SINGLE, text="바꿈", choices=[("a", True), ("b", False)])
    assert client.post(edit, post).status_code == 403
    delete = reverse("assessments:question_delete", args=[bank.single.pk])
    assert client.post(delete).status_code == 403
    bank.single.refresh_from_db()
    assert bank.single.text == "2 + 3 = ?"

    response = client.post(reverse("assessments:question_copy", args=[bank.single.pk]))
    copy = Question.objects.get(owner=colleague)
    assert response["Location"] == reverse("assessments:question_edit", args=[copy.pk])
    assert (copy.text, copy.is_shared, copy.kind) == (bank.single.text, False, Kind.SINGLE)
    assert [(c.text, c.is_correct) for c in copy.choices.all()] == [
        ("4", False),
        ("5", True),
        ("6", False),
    ]
    # The copy is the colleague's own: editing it leaves the original alone.
    post = question_post(Kind.SINGLE, text="내 사본", choices=[("a", True), ("b", False)])
    client.post(reverse("assessments:question_edit", args=[copy.pk]), post)
    copy.refresh_from_db()
    bank.single.refresh_from_db()
    assert copy.text == "내 사본" and bank.single.text == "2 + 3 = ?"
    assert bank.single.choices.count() == 3


def test_unshared_question_is_hidden_from_colleagues(client, bank, courses):
    login(client, courses.city.north.subject_teacher)
    assert (
        client.get(reverse("assessments:question_detail", args=[bank.essay.pk])).status_code == 404
    )


# --- Creating and editing every kind --------------------------------------------------------


def test_create_every_kind(client, bank):
    login(client, bank.owner)
    url = reverse("assessments:question_create")
    posts = {
        Kind.SINGLE: question_post(Kind.SINGLE, choices=[("가", False), ("나", True), ("", False)]),
        Kind.MULTIPLE: question_post(Kind.MULTIPLE, choices=[("가", True), ("나", True)]),
        Kind.TRUE_FALSE: question_post(Kind.TRUE_FALSE, answer_true="false"),
        Kind.SHORT: question_post(
            Kind.SHORT, accepted_answers="독도\r\n\r\n Dokdo \r\n", case_sensitive="on"
        ),
        Kind.NUMERIC: question_post(Kind.NUMERIC, numeric_answer="1,000", tolerance="0.5"),
        Kind.ESSAY: question_post(Kind.ESSAY, points="5.5", is_shared="on", category="글쓰기"),
    }
    for kind, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 302, (
            kind,
            response.context and response.context["form"].errors,
        )
        question = Question.objects.filter(owner=bank.owner).latest("pk")
        assert question.kind == kind
    single = Question.objects.filter(kind=Kind.SINGLE, text="새 문제").get()
    assert [(c.text, c.is_correct, c.position) for c in single.choices.all()] == [
        ("가", False, 1),
        ("나", True, 2),
    ]
    assert Question.objects.get(kind=Kind.TRUE_FALSE, text="새 문제").answer_true is False
    short = Question.objects.get(kind=Kind.SHORT, text="새 문제")
    assert short.accepted_answers == ["독도", "Dokdo"]
    assert (short.case_sensitive, short.ignore_spaces) == (True, True)
    numeric = Question.objects.get(kind=Kind.NUMERIC, text="새 문제")
    assert (numeric.numeric_answer, numeric.tolerance) == (1000.0, 0.5)
    essay = Question.objects.get(kind=Kind.ESSAY, text="새 문제")
    assert essay.points == Decimal("5.5") and essay.is_shared and essay.category == "글쓰기"
    assert essay.school == bank.owner.organisation  # the teacher's organisation is the school


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (question_post(Kind.SINGLE, choices=[("a", True)]), None),  # one choice
        (question_post(Kind.SINGLE, choices=[("a", True), ("b", True)]), None),  # two correct
        (question_post(Kind.SINGLE, choices=[("a", False), ("b", False)]), None),  # none correct
        (question_post(Kind.MULTIPLE, choices=[("a", False), ("b", False)]), None),
        (question_post(Kind.TRUE_FALSE), "answer_true"),
        (question_post(Kind.SHORT, accepted_answers=" \r\n "), "accepted_answers"),
        (question_post(Kind.SHORT, accepted_answers="a|b"), "accepted_answers"),
        (question_post(Kind.NUMERIC, numeric_answer=""), "numeric_answer"),
        (question_post(Kind.NUMERIC, numeric_answer="세 개"), "numeric_answer"),
        (question_post(Kind.NUMERIC, numeric_answer="3", tolerance="약간"), "tolerance"),
        (question_post(Kind.NUMERIC, numeric_answer="3", tolerance="-1"), "tolerance"),
        (question_post(Kind.ESSAY, text="   "), "text"),
        (question_post(Kind.ESSAY, points="-1"), "points"),
        (question_post(Kind.ESSAY, points="1.234"), "points"),
        (question_post("matching"), "kind"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(client, bank, data, field):
    login(client, bank.owner)
    before = Question.objects.count()
    response = client.post(reverse("assessments:question_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    else:
        assert form.non_field_errors()
    assert Question.objects.count() == before
    assert "alert error" in response.content.decode()


def test_instructor_without_school_cannot_share(client, courses):
    instructor = courses.city.instructor
    login(client, instructor)
    response = client.post(
        reverse("assessments:question_create"), question_post(Kind.ESSAY, is_shared="on")
    )
    assert "is_shared" in response.context["form"].errors
    response = client.post(reverse("assessments:question_create"), question_post(Kind.ESSAY))
    assert response.status_code == 302
    assert Question.objects.get(owner=instructor).school is None


def test_edit_changes_kind_and_clears_what_it_no_longer_uses(client, bank):
    login(client, bank.owner)
    url = reverse("assessments:question_edit", args=[bank.single.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["choices"].forms) == 3
    response = client.post(url, question_post(Kind.NUMERIC, text="2 + 3", numeric_answer="5"))
    assert response.status_code == 302
    bank.single.refresh_from_db()
    assert (bank.single.kind, bank.single.numeric_answer) == (Kind.NUMERIC, 5.0)
    assert not bank.single.choices.exists()


def test_edit_removes_a_choice_row(client, bank):
    login(client, bank.owner)
    url = reverse("assessments:question_edit", args=[bank.multiple.pk])
    data = question_post(
        Kind.MULTIPLE, choices=[("2", True), ("3", True), ("4", False), ("9", False)]
    )
    data["choices-3-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert [c.text for c in bank.multiple.choices.all()] == ["2", "3", "4"]


def test_add_choice_button_adds_a_row_and_saves_nothing(client, bank):
    login(client, bank.owner)
    data = question_post(Kind.SINGLE, choices=[("a", True), ("b", False)], add_choice="1")
    response = client.post(reverse("assessments:question_create"), data)
    assert response.status_code == 200
    rows = response.context["choices"]
    assert [form.initial.get("text") for form in rows.forms] == ["a", "b", ""]
    assert not response.context["form"].errors
    assert not Question.objects.filter(text="새 문제").exists()


# --- Images ---------------------------------------------------------------------------------


def test_image_upload_needs_a_real_small_picture_with_a_description(client, bank, settings):
    login(client, bank.owner)
    url = reverse("assessments:question_create")
    no_alt = client.post(url, {**question_post(Kind.ESSAY), "image": upload()})
    assert "image_alt" in no_alt.context["form"].errors
    fake = upload(b"<html><script>alert(1)</script></html>", name="x.png")
    response = client.post(url, {**question_post(Kind.ESSAY), "image": fake, "image_alt": "x"})
    assert "image" in response.context["form"].errors
    big = upload(png(size=(10, 10)) + b"\0" * (services.IMAGE_MAX_BYTES + 1))
    response = client.post(url, {**question_post(Kind.ESSAY), "image": big, "image_alt": "x"})
    assert "image" in response.context["form"].errors
    assert not Question.objects.filter(text="새 문제").exists()

    data = {**question_post(Kind.ESSAY), "image": upload(name="../../secret.html.png")}
    response = client.post(url, {**data, "image_alt": "빨간 사각형"})
    assert response.status_code == 302
    question = Question.objects.get(text="새 문제")
    assert question.image.name.endswith(".png") and "secret" not in question.image.name
    image = client.get(reverse("assessments:question_image", args=[question.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content) == png()


def test_removing_and_replacing_the_image_deletes_the_old_file(
    client, bank, django_capture_on_commit_callbacks
):
    login(client, bank.owner)
    question = services.save_question(
        bank.owner,
        services.QuestionData.of(bank.essay),
        question=bank.essay,
        image=upload(),
    )
    first = question.image.name
    storage = question.image.storage
    assert storage.exists(first)
    url = reverse("assessments:question_edit", args=[question.pk])
    data = question_post(Kind.ESSAY, text=question.text, image_alt="파란 그림")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "image": upload(png(color="blue"))})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.image.name != first and not storage.exists(first)
    second = question.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "remove_image": "on"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.image and not storage.exists(second) and question.image_alt == ""


@pytest.fixture
def pictured(bank):
    return services.save_question(
        bank.owner,
        services.QuestionData(kind=Kind.ESSAY, text="그림을 보고 답하세요", image_alt="그림"),
        image=upload(),
    )


def test_image_access(client, bank, courses, pictured):
    north = courses.city.north
    url = reverse("assessments:question_image", args=[pictured.pk])

    def status(user):
        client.logout()
        login(client, user)
        return client.get(url).status_code

    assert status(bank.owner) == 200
    # Not shared: a colleague, students, parents and other schools see nothing.
    for user in [
        north.subject_teacher,
        north.student_a1,
        north.parent_a1,
        courses.city.south.homeroom_a,
    ]:
        assert status(user) == 404
    pictured.is_shared = True
    pictured.save()
    assert status(north.subject_teacher) == 200
    assert status(courses.city.south.homeroom_a) == 404
    assert status(north.student_a1) == 404

    # In a quiz: a student whose attempt shows it, and their parent; not a classmate, nor a
    # student whose random pick left it out.
    quiz = make_quiz(courses, pictured, bank.single)
    for student in (north.student_a1, north.student_a2):
        Enrolment.objects.create(course=courses.class_course, student=student)
    start_attempt(quiz, north.student_a1, pictured)
    start_attempt(quiz, north.student_a2, bank.single)
    assert status(north.student_a1) == 200
    assert status(north.parent_a1) == 200
    assert status(north.student_a2) == 404
    assert status(north.student_b1) == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_course_co_teacher_sees_quiz_images(client, bank, courses, pictured):
    co_teacher = courses.city.north.subject_teacher
    make_quiz(courses, pictured)
    login(client, co_teacher)
    url = reverse("assessments:question_image", args=[pictured.pk])
    assert client.get(url).status_code == 404
    courses.class_course.teachers.add(co_teacher)
    assert client.get(url).status_code == 200


def test_question_without_image_is_404(client, bank):
    login(client, bank.owner)
    assert (
        client.get(reverse("assessments:question_image", args=[bank.single.pk])).status_code == 404
    )


def test_copy_gets_its_own_image_file(bank, courses, pictured, django_capture_on_commit_callbacks):
    pictured.is_shared = True
    pictured.save()
    copy = services.copy_question(courses.city.north.subject_teacher, pictured)
    assert copy.image.name != pictured.image.name
    assert copy.image_alt == "그림"
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_question(bank.owner, pictured)
    assert not pictured.image.storage.exists(pictured.image.name)
    with copy.image.open("rb") as file:
        assert file.read() == png()


# --- Deleting -------------------------------------------------------------------------------


def test_owner_deletes_an_unused_question(client, bank):
    login(client, bank.owner)
    url = reverse("assessments:question_delete", args=[bank.essay.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response["Location"] == BANK
    assert not Question.objects.filter(pk=bank.essay.pk).exists()


def test_delete_refused_when_a_quiz_uses_the_question(client, bank, courses):
    quiz = make_quiz(courses, bank.single, title="단원 평가")
    Enrolment.objects.create(course=courses.class_course, student=courses.city.north.student_a1)
    attempt = start_attempt(quiz, courses.city.north.student_a1, bank.single)
    Answer.objects.create(
        attempt=attempt, question=bank.single, response={"choice": 1}, saved_at=timezone.now()
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusal is matched in English
    login(client, bank.owner)
    url = reverse("assessments:question_delete", args=[bank.single.pk])
    page = client.get(url)
    assert "단원 평가" in page.content.decode()
    response = client.post(url, follow=True)
    assert Question.objects.filter(pk=bank.single.pk).exists()
    text = response.content.decode()
    assert "단원 평가" in text and "cannot be deleted" in text

    # Taken out of the quiz, the answers of past attempts still keep it.
    QuizQuestion.objects.filter(question=bank.single).delete()
    with pytest.raises(services.ValidationError):
        services.delete_question(bank.owner, bank.single)
    assert Question.objects.filter(pk=bank.single.pk).exists()


def test_delete_refused_for_quiz_without_attempts_too(bank, courses):
    # A shared question in a colleague's quiz: deleting it would change their quiz silently.
    make_quiz(courses, bank.short)
    with pytest.raises(services.ValidationError):
        services.delete_question(bank.owner, bank.short)


# --- Menu -----------------------------------------------------------------------------------


def test_menu_links_the_bank_for_staff_only(client, bank, courses):
    login(client, bank.owner)
    assert BANK in client.get(reverse("web:home")).content.decode()
    client.logout()
    login(client, courses.city.north.student_a1)
    assert BANK not in client.get(reverse("web:home")).content.decode()


# --- In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_teacher_writes_a_question_in_the_browser(open_page, device):
    import re

    from playwright.sync_api import expect

    from openclass.core.tests.browser import (
        DESKTOP,
        PHONE,
        assert_no_horizontal_scroll,
        log_in,
        serious_axe_violations,
    )
    from openclass.core.tests.live_server import TEACHER

    # bypass_csp only lets the axe checker in; the page itself has no inline script.
    page = open_page(bypass_csp=True, **(PHONE if device == "phone" else DESKTOP))
    log_in(page, TEACHER)
    page.goto("/assessments/bank/")  # the header groups it in a menu (issue 18, item 8)
    page.locator("main .toolbar a").first.click()
    form = page.locator("#question-form")
    choices = form.locator("fieldset.kind-part").first
    short = form.locator("fieldset[data-kinds=short]")
    # The kind's own fieldset shows, the others hide.
    expect(choices).to_be_visible()
    expect(short).to_be_hidden()
    form.locator("[name=kind]").select_option("short")
    expect(choices).to_be_hidden()
    expect(short).to_be_visible()
    form.locator("[name=kind]").select_option("multiple")
    assert serious_axe_violations(page) == []
    assert_no_horizontal_scroll(page)

    form.locator("[name=text]").fill("짝수를 모두 고르세요.")
    for number, text in enumerate(["1", "2", "3", "4"]):
        form.locator(f"[name=choices-{number}-text]").fill(text)
    form.locator("#add-choice").click()  # a fifth row, without a reload
    fifth = form.locator("[name=choices-4-text]")
    expect(fifth).to_be_focused()
    fifth.fill("6")
    for number in (1, 3, 4):
        form.locator(f"[name=choices-{number}-is_correct]").check()
    form.locator("button.primary[type=submit]").click()
    expect(page.locator(".question-choices li")).to_have_count(5)
    expect(page.locator("main")).to_contain_text("2, 4, 6")
    page.locator("main").get_by_role(
        "link", name=re.compile("문항은행|Question bank")
    ).first.click()
    expect(page.locator("main table")).to_contain_text("짝수를 모두 고르세요.")
    assert serious_axe_violations(page) == []
    assert_no_horizontal_scroll(page)


def test_image_with_too_many_pixels_is_refused(client, bank, monkeypatch):
    monkeypatch.setattr(services, "IMAGE_MAX_PIXELS", 40)  # the 8 × 6 test picture has 48
    client.force_login(bank.owner)
    data = {**question_post(Kind.ESSAY), "image": upload(), "image_alt": "그림"}
    response = client.post(reverse("assessments:question_create"), data)
    assert "image" in response.context["form"].errors
    assert not Question.objects.filter(text="새 문제").exists()
