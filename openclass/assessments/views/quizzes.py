"""Pages for the quizzes part of assessments (see ``services.quizzes`` for the rules).

Thin: who is asking is checked here through ``courses.access`` (``viewer_of``: a course's
managers run its quizzes, its students take them) and ``quizzes.own_attempt`` (a student only
ever reaches their own attempts; any other id is a 404, as if it did not exist); every rule
lives in ``services.quizzes``, and its refusals reach the page through ``core.views.perform``.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.params import parse_id, parse_ids
from openclass.core.views import perform, perform_json
from openclass.courses import access
from openclass.courses.models import Lesson
from openclass.privacy.models import AccessRecord
from openclass.privacy.services import record_read

from ..forms.bank import QuestionForm, choice_formset
from ..forms.quizzes import GradeAnswerForm, QuizSettingsForm
from ..models import Answer, Attempt, Question, Quiz
from ..services import quizzes

State = Attempt.State


def _quiz_lesson(lesson_id: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.select_related("section__course"), pk=lesson_id, kind=Lesson.Kind.QUIZ
    )


def managed_quiz_or_404(request: AuthenticatedRequest, lesson_id: int) -> Quiz:
    """The quiz of a lesson in a course ``request.user`` manages; anyone else gets a 404."""
    lesson = _quiz_lesson(lesson_id)
    if not access.can_manage_course(request.user, lesson.section.course):
        raise Http404
    return quizzes.quiz_for(lesson)


def own_attempt_or_404(request: AuthenticatedRequest, attempt_id: int) -> Attempt:
    try:
        return quizzes.own_attempt(request.user, attempt_id)
    except Attempt.DoesNotExist:
        raise Http404 from None


# --- The quiz lesson: students take it, managers run it -------------------------------------


@login_required
def quiz(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Where the lesson page sends everyone: a course manager gets the quiz's management page,
    an enrolled student the quiz's introduction (attempts, time limit, dates, results), anyone
    else a 404 (parents read results through the gradebook)."""
    lesson = _quiz_lesson(lesson_id)
    viewer = access.viewer_of(request.user, lesson.section.course)
    if viewer.can_manage:
        return _manage(request, quizzes.quiz_for(lesson))
    if viewer.is_student:
        return _intro(request, quizzes.quiz_for(lesson))
    if viewer.may_preview:
        # A teacher weighing whether to reuse the course sees the questions, nothing else.
        return _preview(request, quizzes.quiz_for(lesson), can_manage=False)
    raise Http404


def _intro(request: AuthenticatedRequest, quiz: Quiz) -> HttpResponse:
    now = timezone.now()
    quizzes.finalise_expired(now, quiz=quiz, student=request.user)
    attempts = list(Attempt.objects.filter(quiz=quiz, student=request.user).order_by("number"))
    show_score = quizzes.revealed(quiz, quiz.show_results, now)
    refused = quizzes.availability(request.user, quiz, now)
    left = quizzes.attempts_left(request.user, quiz)
    current = next((a for a in attempts if a.state == State.IN_PROGRESS), None)
    return render(
        request,
        "assessments/quiz_intro.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "attempts": attempts,
            "current": current,
            "attempts_left": left,
            "refused": refused,
            "can_start": current is None and refused is None and left != 0,
            "show_score": show_score,
            "kept": quizzes.kept_percents(quiz, [request.user.pk])[request.user.pk]
            if show_score
            else None,
            "question_count": quiz.question_count or quiz.items.count(),
        },
    )


def _manage(request: AuthenticatedRequest, quiz: Quiz) -> HttpResponse:
    items = list(quiz.items.select_related("question").order_by("position", "pk"))
    counts = Attempt.objects.filter(quiz=quiz).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(state=State.SUBMITTED)),
        open=Count("pk", filter=Q(state=State.IN_PROGRESS)),
    )
    return render(
        request,
        "assessments/quiz_manage.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "items": items,
            "total_points": sum((item.max_points for item in items), Decimal(0)),
            "counts": counts,
            "essays_waiting": quizzes.essays_to_grade(quiz).count(),
            # The page changes nothing: its own defaults are no problem (``settings_errors``).
            "problems": quizzes.settings_errors(quiz, changed=()),
        },
    )


# --- Teacher: settings, questions, preview --------------------------------------------------


@login_required
def quiz_settings(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    quiz = managed_quiz_or_404(request, lesson_id)
    form = QuizSettingsForm(request.POST or None, instance=quiz)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _("The quiz settings are saved. Preview the quiz as a student to check them."),
        )
        return redirect("assessments:quiz", quiz.lesson_id)
    return render(
        request,
        "assessments/quiz_settings.html",
        {"quiz": quiz, "lesson": quiz.lesson, "course": quiz.lesson.section.course, "form": form},
    )


@login_required
def quiz_questions(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Add questions from the teacher's bank (their own and their school's shared ones)."""
    quiz = managed_quiz_or_404(request, lesson_id)
    if request.method == "POST":
        ids = parse_ids(request.POST.getlist("question"))
        if not ids:
            messages.error(request, _("Choose at least one question to add."))
        elif added := perform(request, quizzes.add_questions, quiz, request.user, ids):
            messages.success(
                request,
                _(
                    "%(count)d questions added at the end of the quiz. Set their order and "
                    "points below."
                )
                % {"count": added.value},
            )
            return redirect("assessments:quiz", quiz.lesson_id)
    bank = quizzes.teacher_bank(request.user).select_related("owner")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    category = request.GET.get("category", "").strip()
    if query:
        bank = bank.filter(text__icontains=query)
    if kind in Question.Kind.values:
        bank = bank.filter(kind=kind)
    if category:
        bank = bank.filter(category=category)
    present = set(quiz.items.values_list("question_id", flat=True))
    categories = sorted(
        set(
            quizzes.teacher_bank(request.user)
            .exclude(category="")
            .values_list("category", flat=True)
        )
    )
    return render(
        request,
        "assessments/quiz_questions.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "questions": bank.order_by("category", "-updated_at")[:300],
            "present": present,
            "query": query,
            "kind": kind,
            "category": category,
            "kinds": Question.Kind.choices,
            "categories": categories,
        },
    )


@login_required
def quiz_question_new(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Write a question while building the quiz: the question bank's own form, saved to the
    author's bank (``bank.save_question``) and added at the end of this quiz."""
    quiz = managed_quiz_or_404(request, lesson_id)
    require_capability(request.user, "assessments.author")
    adding = request.method == "POST" and "add_choice" in request.POST
    if request.method == "POST":
        choices = choice_formset(request.POST, add_row=adding)
        form = QuestionForm(request.POST, request.FILES, owner=request.user, choices=choices)
        if adding:
            form.errors.clear()  # adding a choice row checks nothing yet
        elif form.is_valid() and perform(
            request, quizzes.write_question, quiz, request.user, form.save, form=form
        ):
            messages.success(
                request,
                _(
                    "The question is saved in your question bank and added to the quiz as "
                    "question %(number)d. Write another or preview the quiz."
                )
                % {"number": quiz.items.count()},
            )
            if request.POST.get("then") == "another":
                return redirect("assessments:quiz_question_new", quiz.lesson_id)
            return redirect(reverse("assessments:quiz", args=[quiz.lesson_id]) + "#questions")
    else:
        choices = choice_formset()
        form = QuestionForm(owner=request.user, choices=choices)
    return render(
        request,
        "assessments/bank_form.html",
        {
            "form": form,
            "choices": choices,
            "question": None,
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "choice_kinds": " ".join(Question.CHOICE_KINDS),
        },
    )


@login_required
@require_POST
def quiz_item(request: AuthenticatedRequest, lesson_id: int, item_id: int) -> HttpResponse:
    """Move a question up or down, remove it, or set its points in this quiz."""
    quiz = managed_quiz_or_404(request, lesson_id)
    item = get_object_or_404(quiz.items, pk=item_id)
    action = request.POST.get("action")
    if action in ("up", "down"):
        perform(request, quizzes.move_item, quiz, item, action)
    elif action == "remove":
        if perform(request, quizzes.remove_item, quiz, item):
            messages.success(
                request, _("The question is removed from the quiz. It stays in your question bank.")
            )
    elif action == "points":
        if perform(request, quizzes.set_item_points, item, request.POST.get("points", "")):
            messages.success(request, _("The points are saved."))
    else:
        messages.error(request, _("The list changed meanwhile. Reload the page and try again."))
    anchor = f"#item-{item_id}" if action != "remove" else "#questions"
    return redirect(reverse("assessments:quiz", args=[quiz.lesson_id]) + anchor)


@login_required
def quiz_preview(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    return _preview(request, managed_quiz_or_404(request, lesson_id), can_manage=True)


def _preview(request: AuthenticatedRequest, quiz: Quiz, can_manage: bool) -> HttpResponse:
    """The attempt page as a student would see it (a fresh random pick on every load); nothing
    is saved."""
    layout = quizzes.build_layout(quiz)
    preview = Attempt(quiz=quiz, layout=layout, started_at=timezone.now())
    return render(
        request,
        "assessments/quiz_attempt.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "attempt": preview,
            "shown": quizzes.shown_questions(preview),
            "preview": True,
            "can_manage": can_manage,
        },
    )


# --- Student: start, answer, submit, results ------------------------------------------------


@login_required
@require_POST
def quiz_start(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    lesson = _quiz_lesson(lesson_id)
    if not access.is_enrolled(request.user, lesson.section.course):
        raise Http404
    started = perform(request, quizzes.start_attempt, request.user, quizzes.quiz_for(lesson))
    if not started:
        return redirect("assessments:quiz", lesson.pk)
    return redirect("assessments:quiz_attempt", started.value.pk)


@login_required
def quiz_attempt(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    """The attempt: every question with what is saved so far, and the time left by the server's
    clock. An attempt past its deadline is submitted first and shows its result instead."""
    attempt = own_attempt_or_404(request, attempt_id)
    now = timezone.now()
    attempt = quizzes.expire_if_due(attempt, now)
    if attempt.state != State.IN_PROGRESS:
        return redirect("assessments:quiz_result", attempt.pk)
    remaining = None
    if attempt.deadline:
        remaining = max(0, int((attempt.deadline - now).total_seconds()))
    return render(
        request,
        "assessments/quiz_attempt.html",
        {
            "quiz": attempt.quiz,
            "lesson": attempt.quiz.lesson,
            "course": attempt.quiz.lesson.section.course,
            "attempt": attempt,
            "shown": quizzes.shown_questions(attempt),
            "remaining": remaining,
            "preview": False,
        },
    )


@login_required
@require_POST
def quiz_attempt_save(request: AuthenticatedRequest, attempt_id: int) -> JsonResponse:
    """Autosave of one answer (quiz.js): the form values of one question. A refusal answers 400
    with the refusal's code (``"submitted"``, ``"deadline"``: the attempt is submitted or out of
    time), so the page stops trying and submits."""
    attempt = own_attempt_or_404(request, attempt_id)
    question_id = parse_id(request.POST.get("question", ""))
    if question_id is None:
        return JsonResponse({"ok": False, "reason": "invalid"}, status=400)
    return perform_json(
        quizzes.save_answer,
        attempt,
        question_id,
        request.POST.getlist(f"q-{question_id}"),
        ok=lambda answer: {"saved_at": answer.saved_at.isoformat()},
    )


@login_required
@require_POST
def quiz_attempt_submit(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    """Submit (the button, or the page itself at the deadline). The form carries every answer,
    so the page works without JavaScript; answers arriving after the deadline are not taken,
    and submitting an attempt already submitted just shows its result."""
    attempt = own_attempt_or_404(request, attempt_id)
    now = timezone.now()
    if attempt.state == State.IN_PROGRESS and attempt.deadline and now >= attempt.deadline:
        messages.warning(
            request, _("Time was up: the answers saved before the deadline were graded.")
        )
    data = {key: request.POST.getlist(key) for key in request.POST}
    attempt = quizzes.submit_attempt(attempt, now, data)
    return redirect("assessments:quiz_result", attempt.pk)


def _can_see_attempt(request: AuthenticatedRequest, attempt: Attempt) -> tuple[bool, bool]:
    """(may see it at all, as the course's manager)."""
    course = attempt.quiz.lesson.section.course
    if access.can_manage_course(request.user, course):
        return True, True
    return attempt.student_id == request.user.pk, False


@login_required
def quiz_result(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    """A submitted attempt. The student sees their score and the correct answers only as the
    quiz's reveal settings allow; the course's managers always see everything."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz__lesson__section__course", "student"), pk=attempt_id
    )
    allowed, as_teacher = _can_see_attempt(request, attempt)
    if not allowed:
        raise Http404
    if attempt.state == State.IN_PROGRESS and not as_teacher:
        return redirect("assessments:quiz_attempt", attempt.pk)
    quiz = attempt.quiz
    now = timezone.now()
    show_score = as_teacher or quizzes.revealed(quiz, quiz.show_results, now)
    show_answers = as_teacher or quizzes.revealed(quiz, quiz.show_answers, now)
    record_read(
        request,
        AccessRecord.What.QUIZ_RESULT,
        [attempt.student_id],
        attempt,
        course=quiz.lesson.section.course_id,
    )
    return render(
        request,
        "assessments/quiz_result.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "attempt": attempt,
            "shown": quizzes.shown_questions(attempt),
            "show_score": show_score,
            "show_answers": show_answers,
            "as_teacher": as_teacher,
        },
    )


# --- Teacher: attempts, essay grading, statistics -------------------------------------------


@login_required
def quiz_attempts(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    quiz = managed_quiz_or_404(request, lesson_id)
    quizzes.finalise_expired(quiz=quiz)
    rows = quizzes.attempts_overview(quiz, request.user)
    course = quiz.lesson.section.course
    record_read(
        request,
        AccessRecord.What.QUIZ_ATTEMPTS,
        [row["student"] for row in rows],
        quiz,
        course=course,
    )
    return render(
        request,
        "assessments/quiz_attempts.html",
        {"quiz": quiz, "lesson": quiz.lesson, "course": course, "rows": rows},
    )


@login_required
def quiz_grading(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Essays waiting for a score, oldest first; ``?all=1`` lists graded ones too, to regrade."""
    quiz = managed_quiz_or_404(request, lesson_id)
    show_all = request.GET.get("all") == "1"
    answers = list(quizzes.essays_to_grade(quiz, include_graded=show_all))
    record_read(
        request,
        AccessRecord.What.QUIZ_ATTEMPTS,
        [answer.attempt.student_id for answer in answers],
        quiz,
        course=quiz.lesson.section.course_id,
    )
    for answer in answers:
        item = quizzes.layout_item(answer.attempt, answer.question_id)
        points = Decimal(item["points"]) if item else answer.question.points
        answer.form = GradeAnswerForm(
            points=points,
            prefix=f"a{answer.pk}",
            initial={"score": answer.score, "feedback": answer.feedback},
        )
    return render(
        request,
        "assessments/quiz_grading.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "answers": answers,
            "show_all": show_all,
        },
    )


@login_required
@require_POST
def quiz_answer_grade(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    answer = get_object_or_404(
        Answer.objects.select_related("attempt__quiz__lesson__section__course", "question"),
        pk=answer_id,
    )
    quiz = answer.attempt.quiz
    if not access.can_manage_course(request.user, quiz.lesson.section.course):
        raise Http404
    item = quizzes.layout_item(answer.attempt, answer.question_id)
    points = Decimal(item["points"]) if item else answer.question.points
    form = GradeAnswerForm(request.POST, points=points, prefix=f"a{answer.pk}")
    back = request.POST.get("next") or reverse("assessments:quiz_grading", args=[quiz.lesson_id])
    # A path of this site only: not "//host", nor "/\host", which browsers read as "//host".
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = reverse("assessments:quiz_grading", args=[quiz.lesson_id])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))  # (an ErrorList gives its messages)
        return redirect(f"{back}#answer-{answer.pk}")
    score, feedback = form.cleaned_data["score"], form.cleaned_data["feedback"]
    if not perform(request, quizzes.grade_answer, answer, request.user, score, feedback):
        return redirect(f"{back}#answer-{answer.pk}")
    messages.success(
        request, _("The answer of %(name)s is graded.") % {"name": answer.attempt.student.name}
    )
    return redirect(back)


@login_required
def quiz_stats(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    quiz = managed_quiz_or_404(request, lesson_id)
    return render(
        request,
        "assessments/quiz_stats.html",
        {
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.section.course,
            "stats": quizzes.item_statistics(quiz),
            "attempts": Attempt.objects.filter(quiz=quiz).exclude(state=State.IN_PROGRESS).count(),
        },
    )


urlpatterns = [
    path("quizzes/<id:lesson_id>/", quiz, name="quiz"),
    path("quizzes/<id:lesson_id>/settings/", quiz_settings, name="quiz_settings"),
    path("quizzes/<id:lesson_id>/questions/", quiz_questions, name="quiz_questions"),
    path("quizzes/<id:lesson_id>/questions/new/", quiz_question_new, name="quiz_question_new"),
    path("quizzes/<id:lesson_id>/items/<id:item_id>/", quiz_item, name="quiz_item"),
    path("quizzes/<id:lesson_id>/preview/", quiz_preview, name="quiz_preview"),
    path("quizzes/<id:lesson_id>/start/", quiz_start, name="quiz_start"),
    path("quizzes/<id:lesson_id>/attempts/", quiz_attempts, name="quiz_attempts"),
    path("quizzes/<id:lesson_id>/grading/", quiz_grading, name="quiz_grading"),
    path("quizzes/<id:lesson_id>/statistics/", quiz_stats, name="quiz_stats"),
    path("quizzes/attempts/<id:attempt_id>/", quiz_attempt, name="quiz_attempt"),
    path("quizzes/attempts/<id:attempt_id>/save/", quiz_attempt_save, name="quiz_attempt_save"),
    path(
        "quizzes/attempts/<id:attempt_id>/submit/",
        quiz_attempt_submit,
        name="quiz_attempt_submit",
    ),
    path("quizzes/attempts/<id:attempt_id>/result/", quiz_result, name="quiz_result"),
    path("quizzes/answers/<id:answer_id>/grade/", quiz_answer_grade, name="quiz_answer_grade"),
]
