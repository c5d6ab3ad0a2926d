"""Course pages: the catalog, a course's page, authoring, enrolment and the lesson page.

Thin: every permission question goes to ``courses.access`` (built on ``accounts.scoping``) and
every rule to ``courses.services``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import Organisation, User
from openclass.catalog.models import Topic

from . import access, progress, selectors, services
from .forms import (
    CopyCourseForm,
    CourseForm,
    EnrolOrganisationForm,
    LessonForm,
    SectionForm,
    youtube_id,
)
from .models import Course, Enrolment, Lesson, LessonProgress

Role = User.Role


def managed_course_or_404(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(access.manageable_courses(request.user), pk=pk)


def visible_course_or_404(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(
        access.visible_courses(request.user).select_related("topic", "organisation", "owner"),
        pk=pk,
    )


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    """Courses the user may open, filterable by topic and title; staff also see what they run."""
    courses = (
        access.visible_courses(request.user)
        .select_related("topic", "organisation")
        .annotate(students=Count("enrolments", distinct=True))
        .order_by("-is_published", "title")
    )
    if request.user.role == Role.STUDENT:
        courses = courses.filter(
            Q(enrolments__student=request.user) | Q(is_published=True)
        ).distinct()
    topic = None
    if topic_code := request.GET.get("topic"):
        topic = Topic.objects.filter(code=topic_code).first()
        if topic:
            courses = courses.filter(topic=topic)
    query = request.GET.get("q", "").strip()
    if query:
        courses = courses.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    enrolled = set(
        Enrolment.objects.filter(student=request.user).values_list("course_id", flat=True)
    )
    managed = set(access.manageable_courses(request.user).values_list("pk", flat=True))
    return render(
        request,
        "courses/catalog.html",
        {
            "courses": courses[:200],
            "topics": Topic.objects.order_by("kind", "position"),
            "topic": topic,
            "query": query,
            "enrolled": enrolled,
            "managed": managed,
            "can_create": request.user.role in access.STAFF_ROLES,
        },
    )


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A course's page. Students see their progress per lesson; ``?preview=1`` shows managers
    exactly what a student sees."""
    course = visible_course_or_404(request, pk)
    can_manage = access.can_manage_course(request.user, course)
    preview = can_manage and request.GET.get("preview") == "1"
    enrolment = Enrolment.objects.filter(course=course, student=request.user).first()
    sections = list(course.sections.prefetch_related("lessons__video"))
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(student=request.user, lesson__section__course=course)
    }
    for section in sections:
        for lesson in section.lessons.all():
            lesson.my_progress = progress.get(lesson.pk)
    done, required = selectors.course_progress(request.user, course)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "sections": sections,
            "enrolment": enrolment,
            "can_manage": can_manage and not preview,
            "preview": preview,
            "can_enrol": access.can_enrol_into(request.user, course),
            "can_enrol_self": enrolment is None and access.can_enrol_self(request.user, course),
            "is_open": selectors.is_open(course),
            "done": done,
            "required": required,
            "percent": int(done * 100 / required) if required else 0,
            "sessions": course.sessions.select_related("lesson")[:50],
        },
    )


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    if request.user.role not in access.STAFF_ROLES:
        raise PermissionDenied
    form = CourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.instance.owner = request.user
            course = form.save()
            course.teachers.add(request.user)
        messages.success(request, _("The course is created. Add its sections and lessons."))
        return redirect("courses:content", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": None})


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    form = CourseForm(request.POST or None, instance=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The course settings are saved."))
        return redirect("courses:detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@login_required
@require_POST
def course_publish(request: HttpRequest, pk: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    publish = request.POST.get("publish") == "1"
    if publish and not Lesson.objects.filter(section__course=course).exists():
        messages.error(request, _("Add at least one lesson before publishing."))
    else:
        course.is_published = publish
        course.save(update_fields=["is_published", "updated_at"])
        messages.success(
            request,
            _("The course is published.") if publish else _("The course is hidden from students."),
        )
    return redirect("courses:detail", pk=course.pk)


@login_required
def course_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Reuse a course (an office course in a school, last year's course this year)."""
    course = visible_course_or_404(request, pk)
    if request.user.role not in access.STAFF_ROLES:
        raise PermissionDenied
    form = CopyCourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        copy = services.copy_course(
            course, by=request.user, organisation=form.cleaned_data["organisation"]
        )
        messages.success(request, _("The copy is ready. It stays hidden until you publish it."))
        return redirect("courses:content", pk=copy.pk)
    return render(request, "courses/course_copy.html", {"form": form, "course": course})


# --- Content authoring ----------------------------------------------------------------------


@login_required
def content(request: HttpRequest, pk: int) -> HttpResponse:
    """The authoring screen: sections and lessons in order, with move, edit and add."""
    course = managed_course_or_404(request, pk)
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.course = course
        form.instance.position = services.next_position(course.sections.all())
        form.save()
        return redirect("courses:content", pk=course.pk)
    sections = course.sections.prefetch_related("lessons__video")
    return render(
        request,
        "courses/content.html",
        {"course": course, "sections": sections, "section_form": form},
    )


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a section or a lesson one place up or down (buttons, so it works by keyboard)."""
    course = managed_course_or_404(request, pk)
    what, item_id, direction = (
        request.POST.get("what"),
        request.POST.get("id", ""),
        request.POST.get("direction"),
    )
    if what == "section":
        items = course.sections.all()
    else:
        section = get_object_or_404(course.sections, pk=request.POST.get("section") or 0)
        items = section.lessons.all()
    ids = list(items.order_by("position", "pk").values_list("pk", flat=True))
    if not item_id.isdigit() or int(item_id) not in ids or direction not in ("up", "down"):
        messages.error(request, _("The list changed meanwhile. Reload the page and try again."))
        return redirect("courses:content", pk=course.pk)
    index = ids.index(int(item_id))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        services.reorder(items, ids)
    return redirect(f"{reverse('courses:content', args=[course.pk])}#{what}-{item_id}")


@login_required
def section_edit(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    section = get_object_or_404(course.sections, pk=section_id)
    if request.method == "POST" and request.POST.get("delete") == "1":
        if section.lessons.exists():
            messages.error(request, _("Move or delete the section's lessons first."))
        else:
            section.delete()
            messages.success(request, _("The section is deleted."))
        return redirect("courses:content", pk=course.pk)
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("courses:content", pk=course.pk)
    return render(
        request, "courses/section_form.html", {"course": course, "section": section, "form": form}
    )


@login_required
def lesson_form(
    request: HttpRequest, pk: int, section_id: int, lesson_id: int | None = None
) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    section = get_object_or_404(course.sections, pk=section_id)
    lesson = get_object_or_404(section.lessons, pk=lesson_id) if lesson_id else None
    if lesson and request.method == "POST" and request.POST.get("delete") == "1":
        if lesson.progress.exists():
            messages.error(
                request,
                _("Students have studied this lesson; make it optional instead of deleting it."),
            )
            return redirect(
                "courses:lesson_edit", pk=course.pk, section_id=section.pk, lesson_id=lesson.pk
            )
        lesson.delete()
        messages.success(request, _("The lesson is deleted."))
        return redirect("courses:content", pk=course.pk)
    form = LessonForm(
        request.POST or None, request.FILES or None, instance=lesson, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        if lesson is None:
            form.instance.section = section
            form.instance.position = services.next_position(section.lessons.all())
        saved = form.save(commit=False)
        try:
            saved.full_clean()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved.save()
            messages.success(request, _("The lesson is saved."))
            if lesson is None and saved.kind in Lesson.ASSESSMENT_KINDS:
                # A new quiz or assignment is set up next, on its own page (``assessments``).
                return redirect(f"assessments:{saved.kind}", saved.pk)
            return redirect(f"{reverse('courses:content', args=[course.pk])}#lesson-{saved.pk}")
    return render(
        request,
        "courses/lesson_form.html",
        {"course": course, "section": section, "lesson": lesson, "form": form},
    )


# --- Enrolment ------------------------------------------------------------------------------


@login_required
def enrolments(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is enrolled (the part the user may see), and enrolling a school, grade or class at
    once or one student at a time."""
    course = visible_course_or_404(request, pk)
    if not access.can_enrol_into(request.user, course):
        raise PermissionDenied
    candidates = access.enrollable_students(request.user, course)
    organisations = (
        Organisation.objects.filter(
            Q(pk__in=candidates.values("organisation"))
            | Q(pk__in=candidates.values("organisation__parent"))
        )
        .select_related("parent")
        .order_by("path")
    )
    form = EnrolOrganisationForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        try:
            if "student" in request.POST:
                student = get_object_or_404(candidates, pk=request.POST["student"])
                if request.POST.get("remove") == "1":
                    services.unenrol(request.user, course, student)
                    messages.success(
                        request, _("%(name)s is no longer enrolled.") % {"name": student.name}
                    )
                else:
                    services.enrol(request.user, course, [student])
                    messages.success(request, _("%(name)s is enrolled.") % {"name": student.name})
                return redirect("courses:enrolments", pk=course.pk)
            if form.is_valid():
                result = services.enrol_organisation(
                    request.user, course, form.cleaned_data["organisation"]
                )
                messages.success(
                    request,
                    _("%(added)d students enrolled; %(already)d were already enrolled.")
                    % {"added": result.added, "already": result.already},
                )
                return redirect("courses:enrolments", pk=course.pk)
        except PermissionDenied as error:
            messages.error(request, str(error))
    enrolled = (
        access.enrolments_visible_to(request.user, course)
        .select_related("student__organisation__parent")
        .order_by("student__organisation__path", "student__number")
    )
    enrolled_ids = set(enrolled.values_list("student_id", flat=True))
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            candidates.filter(Q(name__icontains=query) | Q(username__icontains=query))
            .select_related("organisation__parent")
            .order_by("organisation__path", "number")[:30]
        )
    return render(
        request,
        "courses/enrolments.html",
        {
            "course": course,
            "form": form,
            "enrolled": enrolled,
            "enrolled_ids": enrolled_ids,
            "found": found,
            "query": query,
        },
    )


@login_required
@require_POST
def enrol_self(request: HttpRequest, pk: int) -> HttpResponse:
    course = visible_course_or_404(request, pk)
    services.enrol_self(request.user, course)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect("courses:detail", pk=course.pk)


# --- Studying -------------------------------------------------------------------------------


@login_required
def lesson(request: HttpRequest, pk: int, lesson_id: int) -> HttpResponse:
    """A lesson page. Opening it as an enrolled student records progress and attendance; a
    manager previews it without recording anything."""
    course = visible_course_or_404(request, pk)
    lesson = get_object_or_404(
        Lesson.objects.select_related("section", "video"), pk=lesson_id, section__course=course
    )
    is_student = Enrolment.objects.filter(course=course, student=request.user).exists()
    if not is_student and not access.can_preview_lessons(request.user, course):
        raise PermissionDenied(_("Enrol in the course to study its lessons."))
    if is_student and not selectors.is_open(course):
        raise PermissionDenied(_("This course is not open now."))
    my_progress = services.open_lesson(request.user, lesson) if is_student else None
    if lesson.kind in Lesson.ASSESSMENT_KINDS:
        # Quizzes and assignments have their own pages (``assessments``); opening the lesson has
        # recorded attendance and the resume point like any other.
        return redirect(f"assessments:{lesson.kind}", lesson.pk)
    ordered = selectors.lessons_in_order(course)
    index = next(i for i, item in enumerate(ordered) if item.pk == lesson.pk)
    playback_url = ""
    if lesson.kind == Lesson.Kind.VIDEO and lesson.video_id:
        from openclass.media import services as media

        if lesson.video.status == "ready":
            playback_url = media.playback_url(lesson.video, request.user)
    elif lesson.kind == Lesson.Kind.VIDEO_URL:
        playback_url = lesson.url
    response = render(
        request,
        "courses/lesson.html",
        {
            "course": course,
            "lesson": lesson,
            "progress": my_progress,
            "preview": not is_student,
            "playback_url": playback_url,
            "youtube_id": youtube_id(lesson.url) if lesson.kind == Lesson.Kind.YOUTUBE else None,
            "previous": ordered[index - 1] if index > 0 else None,
            "next": ordered[index + 1] if index + 1 < len(ordered) else None,
        },
    )
    # Only this page, and only for these lessons, lets in what lives elsewhere.
    if lesson.kind == Lesson.Kind.YOUTUBE:
        response._csp_update = {
            "script-src": ["https://www.youtube.com", "https://s.ytimg.com"],
            "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
        }
    elif lesson.kind == Lesson.Kind.VIDEO_URL:
        response._csp_update = {"media-src": ["https:"], "connect-src": ["https:"]}
    return response


@login_required
def lesson_document(request: HttpRequest, pk: int, lesson_id: int) -> FileResponse:
    """A lesson's PDF, only to the course's students and managers, always as a download-safe
    response (never rendered as HTML by the browser)."""
    course = visible_course_or_404(request, pk)
    lesson = get_object_or_404(
        Lesson, pk=lesson_id, section__course=course, kind=Lesson.Kind.DOCUMENT
    )
    is_student = Enrolment.objects.filter(course=course, student=request.user).exists()
    if not (is_student or access.can_preview_lessons(request.user, course)):
        raise Http404
    if not lesson.document:
        raise Http404
    response = FileResponse(
        lesson.document.open("rb"), content_type="application/pdf", filename=f"{lesson.title}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def heartbeat(request: HttpRequest, pk: int, lesson_id: int) -> JsonResponse:
    """The player's progress beat (form field ``beat``, JSON). Also the target of the page's
    ``navigator.sendBeacon`` when it closes, which is why it reads a form, not a JSON body."""
    progress_row = (
        LessonProgress.objects.select_related("lesson__section__course", "lesson__video")
        .filter(
            student=request.user,
            lesson_id=lesson_id,
            lesson__section__course_id=pk,
            lesson__section__course__enrolments__student=request.user,
        )
        .first()
    )
    if progress_row is None or not selectors.is_open(progress_row.lesson.section.course):
        return JsonResponse({"ok": False, "reason": "not_enrolled"}, status=403)
    try:
        payload = json.loads(request.POST.get("beat", ""))
    except ValueError:
        payload = None
    course = progress_row.lesson.section.course
    try:
        state = progress.credit(progress_row, payload)
    except progress.Refused as refused:
        current = progress.State.of(
            LessonProgress.objects.select_related("lesson__video").get(pk=progress_row.pk)
        )
        return JsonResponse(
            {
                **progress.summary(current, course.completion_threshold),
                "ok": False,
                "reason": refused.reason,
            },
            status=409,
        )
    return JsonResponse(progress.summary(state, course.completion_threshold))
