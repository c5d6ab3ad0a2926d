"""Pages for the bank part of assessments (see ``services.bank`` for the rules and
``assessments.access`` for who may open, change or see which question).

Every page but the image is for those who author questions ("assessments.author"): students and
parents get 403. A question outside what the user may open is a 404, so its existence does not
leak."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.downloads import xlsx_response
from openclass.core.views import perform

from ..access import can_edit_question, can_view_question, visible_questions
from ..forms.bank import BankFilterForm, ImportForm, QuestionForm, choice_formset
from ..models import Question
from ..services import bank, bank_xlsx
from ..services.grading import correct_answer_text

PAGE_SIZE = 50


def author_required(view):
    """Logged in and holding "assessments.author" (403 otherwise)."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        require_capability(request.user, "assessments.author")
        return view(request, *args, **kwargs)

    return wrapper


def _visible(request: AuthenticatedRequest, question_id: int) -> Question:
    return get_object_or_404(
        visible_questions(request.user).select_related("owner"), pk=question_id
    )


def _own(request: AuthenticatedRequest, question_id: int) -> Question:
    question = _visible(request, question_id)
    if not can_edit_question(request.user, question):
        raise PermissionDenied
    return question


def _filtered(request: AuthenticatedRequest):
    questions = visible_questions(request.user)
    categories = sorted(
        questions.exclude(category="").order_by().values_list("category", flat=True).distinct()
    )
    form = BankFilterForm(request.GET or None, categories=categories)
    return form, form.apply(questions, request.user)


@author_required
def question_list(request: AuthenticatedRequest) -> HttpResponse:
    """My questions and those shared with my school, filterable by kind, category and text."""
    form, questions = _filtered(request)
    questions = questions.select_related("owner")
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/bank_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _question_form(request: AuthenticatedRequest, question: Question | None) -> HttpResponse:
    adding = request.method == "POST" and "add_choice" in request.POST
    if request.method == "POST":
        choices = choice_formset(request.POST, add_row=adding)
        form = QuestionForm(
            request.POST, request.FILES, owner=request.user, question=question, choices=choices
        )
        if adding:
            form.errors.clear()  # adding a choice row checks nothing yet
        elif form.is_valid() and (saved := perform(request, form.save, form=form)):
            messages.success(request, _("The question is saved."))
            return redirect("assessments:question_detail", question_id=saved.value.pk)
    else:
        choices = choice_formset(question=question)
        form = QuestionForm(owner=request.user, question=question, choices=choices)
    return render(
        request,
        "assessments/bank_form.html",
        {
            "form": form,
            "choices": choices,
            "question": question,
            "choice_kinds": " ".join(Question.CHOICE_KINDS),
        },
    )


@author_required
def question_create(request: AuthenticatedRequest) -> HttpResponse:
    return _question_form(request, None)


@author_required
def question_edit(request: AuthenticatedRequest, question_id: int) -> HttpResponse:
    return _question_form(request, _own(request, question_id))


@author_required
def question_detail(request: AuthenticatedRequest, question_id: int) -> HttpResponse:
    """The question as students see it, then its answer and where it is used."""
    question = _visible(request, question_id)
    is_owner = can_edit_question(request.user, question)
    return render(
        request,
        "assessments/bank_detail.html",
        {
            "question": question,
            "choices": list(question.choices.all()),
            "answer": correct_answer_text(question),
            "is_owner": is_owner,
            "used_in": bank.usage_blocking_delete(question) if is_owner else [],
        },
    )


@author_required
def question_delete(request: AuthenticatedRequest, question_id: int) -> HttpResponse:
    question = _own(request, question_id)
    blocking = bank.usage_blocking_delete(question)
    if request.method == "POST":
        if not perform(request, bank.delete_question, request.user, question):
            return redirect("assessments:question_detail", question_id=question.pk)
        messages.success(request, _("The question is deleted."))
        return redirect("assessments:bank")
    return render(
        request, "assessments/bank_delete.html", {"question": question, "blocking": blocking}
    )


@author_required
@require_POST
def question_copy(request: AuthenticatedRequest, question_id: int) -> HttpResponse:
    question = _visible(request, question_id)
    copy = bank.copy_question(request.user, question)
    messages.success(request, _("The question is copied into your bank. You can change the copy."))
    return redirect("assessments:question_edit", question_id=copy.pk)


@login_required
def question_image(request: AuthenticatedRequest, question_id: int) -> FileResponse:
    """A question's image, to whoever may see the question (``access.can_view_question``), with
    the type read from the file itself and no sniffing, so it is never rendered as a page."""
    question = get_object_or_404(Question, pk=question_id)
    if not question.image or not can_view_question(request.user, question):
        raise Http404
    content_type = bank.image_content_type(question)
    if content_type is None:
        raise Http404
    response = FileResponse(question.image.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@author_required
def bank_export(request: AuthenticatedRequest) -> HttpResponse:
    """The questions the list shows (same filters), in the import layout."""
    _form, questions = _filtered(request)
    questions = questions.prefetch_related("choices").order_by("category", "pk")
    return xlsx_response(bank_xlsx.export_questions(questions), "questions.xlsx")


@author_required
def bank_template(request: AuthenticatedRequest) -> HttpResponse:
    return xlsx_response(bank_xlsx.template(), "questions-template.xlsx")


@author_required
def bank_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a workbook: every row is checked; if any cell is wrong nothing is saved and every
    error is listed by row and column, otherwise all rows are saved together."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = bank_xlsx.read_questions(form.cleaned_data["file"].read())
        if result.is_valid:
            saved = bank.import_questions(request.user, result.questions)
            messages.success(
                request,
                ngettext(
                    "%(n)d question is imported into your bank.",
                    "%(n)d questions are imported into your bank.",
                    len(saved),
                )
                % {"n": len(saved)},
            )
            return redirect("assessments:bank")
    return render(
        request,
        "assessments/bank_import.html",
        {"form": form, "result": result, "columns": bank_xlsx.COLUMNS},
    )


urlpatterns = [
    path("bank/", question_list, name="bank"),
    path("bank/new/", question_create, name="question_create"),
    path("bank/import/", bank_import, name="bank_import"),
    path("bank/export.xlsx", bank_export, name="bank_export"),
    path("bank/template.xlsx", bank_template, name="bank_template"),
    path("bank/<id:question_id>/", question_detail, name="question_detail"),
    path("bank/<id:question_id>/edit/", question_edit, name="question_edit"),
    path("bank/<id:question_id>/delete/", question_delete, name="question_delete"),
    path("bank/<id:question_id>/copy/", question_copy, name="question_copy"),
    path("bank/<id:question_id>/image/", question_image, name="question_image"),
]
