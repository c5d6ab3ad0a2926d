"""Writing a question while building a quiz: the bank's own form and service, the question in
the author's bank and at the end of the quiz; refusals for other teachers and students."""

from __future__ import annotations

from django.urls import reverse

from openclass.assessments.models import Question, QuizQuestion
from openclass.assessments.tests.test_bank import question_post
from openclass.assessments.tests.test_quizzes import make_quiz

Kind = Question.Kind


def test_a_question_written_in_the_quiz_goes_to_the_bank_and_the_quiz(client, bank, courses):
    quiz = make_quiz(bank, courses)
    teacher = courses.city.north.homeroom_a
    client.force_login(teacher)
    manage = client.get(reverse("assessments:quiz", args=[quiz.lesson_id])).content.decode()
    url = reverse("assessments:quiz_question_new", args=[quiz.lesson_id])
    assert url in manage
    assert client.get(url).status_code == 200
    data = question_post(
        Kind.SINGLE, text="물은 몇 도에서 끓나요?", choices=[("100도", True), ("50도", False)]
    )
    response = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    question = Question.objects.get(text="물은 몇 도에서 끓나요?")
    assert question.owner == teacher
    assert (
        list(quiz.items.order_by("position").values_list("question_id", flat=True))[-1]
        == question.pk
    )
    assert response.redirect_chain[-1][0].startswith(
        reverse("assessments:quiz", args=[quiz.lesson_id])
    )
    assert "added to the quiz as question 7" in response.content.decode()
    # "Save, add and write another" comes back to an empty form.
    data = question_post(
        Kind.TRUE_FALSE, text="얼음은 물보다 가볍다.", answer_true="true", then="another"
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assert quiz.items.count() == 8


def test_an_invalid_question_saves_nothing_and_says_why(client, bank, courses):
    quiz = make_quiz(bank, courses)
    client.force_login(courses.city.north.homeroom_a)
    before = (Question.objects.count(), QuizQuestion.objects.count())
    data = question_post(Kind.SINGLE, text="", choices=[("하나", False)])
    response = client.post(reverse("assessments:quiz_question_new", args=[quiz.lesson_id]), data)
    assert response.status_code == 200
    assert (Question.objects.count(), QuizQuestion.objects.count()) == before


def test_others_cannot_write_into_the_quiz(client, bank, courses):
    quiz = make_quiz(bank, courses)
    url = reverse("assessments:quiz_question_new", args=[quiz.lesson_id])
    data = question_post(Kind.ESSAY, text="남의 퀴즈에 쓰기")
    for user, refused in (
        (courses.city.south.homeroom_a, 404),  # another school's teacher
        (courses.city.north.subject_teacher, 404),  # a colleague who does not run the course
        (courses.city.north.student_a1, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == refused
        assert client.post(url, data).status_code == refused
    assert not Question.objects.filter(text="남의 퀴즈에 쓰기").exists()
