"""Pages of the instructor pool: searching it, one's own profile, the office's review, a
school registering its own instructor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import User
from openclass.catalog.models import Topic
from openclass.core.downloads import download_response

from . import access, pool
from .forms import DocumentForm, OwnInstructorForm, ProfileForm, ReviewForm, TimeSlotFormSet
from .models import InstructorDocument, InstructorProfile


def _add_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@login_required
def pool_list(request: HttpRequest) -> HttpResponse:
    if not (access.is_office(request.user) or access.can_apply(request.user)):
        raise Http404
    topic = Topic.objects.filter(pk=request.GET.get("topic") or 0).first()
    text = request.GET.get("q", "")[:100]
    return render(
        request,
        "operations/pool.html",
        {
            "rows": pool.search(request.user, topic, text),
            "topics": Topic.objects.all(),
            "topic": topic,
            "q": text,
            "can_register": request.user.role == User.Role.SCHOOL_ADMIN,
        },
    )


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        access.visible_profiles(request.user).select_related("user", "registered_by_school"),
        pk=pk,
    )
    office = access.is_office(request.user)
    form = ReviewForm(request.POST or None) if office else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            pool.review(
                request.user,
                profile,
                form.cleaned_data["decision"] == "approve",
                form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Done."))
            return redirect("operations:profile", profile.pk)
    may_see_documents = office or profile.user_id == request.user.pk
    return render(
        request,
        "operations/profile.html",
        {
            "profile": profile,
            "review_form": form,
            "documents": profile.documents.all() if may_see_documents else [],
            "availability": profile.availability.filter(day__gte=timezone.localdate()),
        },
    )


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in (User.Role.INSTRUCTOR, User.Role.TEACHER):
        raise Http404
    current = InstructorProfile.objects.filter(user=user).first()
    initial = {}
    if current:
        initial = {
            "kind": current.kind,
            "topics": current.topics.all(),
            "headline": current.headline,
            "career": current.career,
        }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pool.save_profile(user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved. The office reviews changes."))
            return redirect("operations:my_profile")
    slots = None
    if current:
        slots = TimeSlotFormSet(
            prefix="slots",
            initial=[
                {"day": s.day, "starts_at": s.starts_at, "ends_at": s.ends_at}
                for s in current.availability.filter(day__gte=timezone.localdate())
            ],
        )
    return render(
        request,
        "operations/my_profile.html",
        {
            "profile": current,
            "form": form,
            "slots": slots,
            "document_form": DocumentForm() if current else None,
        },
    )


def _own_profile_or_404(request: HttpRequest) -> InstructorProfile:
    return get_object_or_404(InstructorProfile, user=request.user)


@login_required
@require_POST
def my_availability(request: HttpRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    slots = TimeSlotFormSet(request.POST, prefix="slots")
    if not slots.is_valid():
        messages.error(request, _("Check the times: each needs a day, a start and an end."))
        return redirect("operations:my_profile")
    try:
        pool.set_availability(
            profile,
            [(r["day"], r["starts_at"], r["ends_at"]) for r in slots.cleaned_data if r],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your available times are saved."))
    return redirect("operations:my_profile")


@login_required
@require_POST
def my_document(request: HttpRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        InstructorDocument.objects.create(
            profile=profile, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
        )
        messages.success(request, _("The document is uploaded."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect("operations:my_profile")


@login_required
def document(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(InstructorDocument.objects.select_related("profile"), pk=pk)
    if not (access.is_office(request.user) or document.profile.user_id == request.user.pk):
        raise Http404
    return download_response(document.file, document.file.name.rsplit("/", 1)[-1])


@login_required
def register_own(request: HttpRequest) -> HttpResponse:
    if request.user.role != User.Role.SCHOOL_ADMIN:
        raise Http404
    form = OwnInstructorForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            profile, password = pool.register_own_instructor(request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            _add_errors(form, error)
        else:
            issued = {"profile": profile, "password": password}
            form = OwnInstructorForm()
    return render(request, "operations/register_own.html", {"form": form, "issued": issued})
