"""Pages of the instructor pool: searching it, one's own profile, the office's review, a
school registering its own instructor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.catalog.models import Topic
from openclass.core.downloads import download_response
from openclass.core.history import list_changes
from openclass.core.params import parse_id
from openclass.core.views import perform

from .. import access
from ..forms import DocumentForm, OwnInstructorForm, ProfileForm, ReviewForm, TimeSlotFormSet
from ..models import InstructorDocument, InstructorProfile
from ..services import office, pool

PAGE_SIZE = 50


@login_required
def pool_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "pool.view")
    topic_id = parse_id(request.GET.get("topic"))
    topic = Topic.objects.filter(pk=topic_id).first() if topic_id is not None else None
    text = request.GET.get("q", "")[:100]
    rows = pool.search_profiles(request.user, topic, text)
    status = ""
    if has_capability(request.user, "operations.approve"):
        # The office's review: who waits for approval first, or only those of one status.
        status = request.GET.get("status", "")
        if status in InstructorProfile.Status.values:
            rows = [row for row in rows if row.status == status]
        rows.sort(key=lambda row: row.status != InstructorProfile.Status.PENDING)
    return render(
        request,
        "operations/pool.html",
        {
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "topics": Topic.objects.all(),
            "topic": topic,
            "q": text,
            "status": status,
            "statuses": InstructorProfile.Status.choices,
        },
    )


@login_required
def profile(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        access.visible_profiles(request.user).select_related("user", "registered_by_school"),
        pk=pk,
    )
    form = None
    if has_capability(request.user, "operations.approve"):
        form = ReviewForm(request.POST or None)
    reviewed = (
        form is not None
        and request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            pool.review_profile,
            request.user,
            profile,
            form.cleaned_data["decision"] == "approve",
            form.cleaned_data["note"],
            form=form,
        )
    )
    if reviewed and form is not None:
        messages.success(
            request,
            _("The instructor is approved and told: schools can now invite them.")
            if form.cleaned_data["decision"] == "approve"
            else _("The profile is not approved; the instructor is told why and can change it."),
        )
        return redirect("operations:profile", profile.pk)
    return render(
        request,
        "operations/profile.html",
        {
            "profile": profile,
            "review_form": form,
            "documents": access.visible_documents(request.user).filter(profile=profile),
            "availability": profile.availability.filter(day__gte=timezone.localdate()),
            "changes": list_changes(
                profile.history.all(), InstructorDocument.history.filter(profile_id=profile.pk)
            )
            if form is not None
            else None,
        },
    )


@login_required
@require_POST
def document_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The office accepts an instructor's document or refuses it with a note."""
    require_capability(request.user, "operations.approve")
    document = get_object_or_404(InstructorDocument.objects.select_related("profile"), pk=pk)
    accept = request.POST.get("decision") == "accept"
    if perform(
        request,
        office.review_document,
        request.user,
        document,
        accept,
        request.POST.get("note", "")[:300],
    ):
        messages.success(
            request,
            _("The document is marked as checked.")
            if accept
            else _("The document is marked as not accepted; the instructor is told why."),
        )
    return redirect("operations:profile", document.profile_id)


@login_required
def my_profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    require_capability(user, "pool.own_profile")
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
    saved = (
        request.method == "POST"
        and form.is_valid()
        and perform(request, pool.save_profile, user, form=form, **form.cleaned_data)
    )
    if saved:
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
def my_availability(request: AuthenticatedRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    slots = TimeSlotFormSet(request.POST, prefix="slots")
    if not slots.is_valid():
        messages.error(request, _("Check the times: each needs a day, a start and an end."))
        return redirect("operations:my_profile")
    if perform(
        request,
        pool.set_availability,
        profile,
        [(r["day"], r["starts_at"], r["ends_at"]) for r in slots.cleaned_data if r],
    ):
        messages.success(request, _("Your available times are saved."))
    return redirect("operations:my_profile")


@login_required
@require_POST
def my_document(request: AuthenticatedRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        pool.add_document(profile, title=form.cleaned_data["title"], file=form.cleaned_data["file"])
        messages.success(request, _("The document is uploaded."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))  # (an ErrorList gives its messages)
    return redirect("operations:my_profile")


@login_required
def document(request: AuthenticatedRequest, pk: int) -> FileResponse:
    document = get_object_or_404(access.visible_documents(request.user), pk=pk)
    return download_response(document.file, document.file.name.rsplit("/", 1)[-1])


@login_required
def register_own(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "pool.register")
    form = OwnInstructorForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        registered = perform(
            request, pool.register_own_instructor, request.user, form=form, **form.cleaned_data
        )
        if registered:
            profile, password = registered.value
            issued = {"profile": profile, "password": password}
            form = OwnInstructorForm()
    return render(request, "operations/register_own.html", {"form": form, "issued": issued})
