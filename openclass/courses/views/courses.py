"""The catalog and a course's own pages: its front page, opening, settings, publishing and
copying it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.catalog.models import Topic
from openclass.core.views import perform

from .. import access, selectors
from ..forms import CopyCourseForm, CourseForm, NewCourseForm
from ..models import Course, Enrolment, Lesson, LessonProgress
from ..services import courses as services
from .lookup import managed_course_or_404, visible_course_or_404


@login_required
def catalog(request: AuthenticatedRequest) -> HttpResponse:
    """Courses the user may open, filterable by topic and title; staff also see what they run."""
    topic = None
    if topic_code := request.GET.get("topic"):
        topic = Topic.objects.filter(code=topic_code).first()
    query = request.GET.get("q", "").strip()
    courses = selectors.catalog_courses(request.user, topic=topic, query=query)
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
        },
    )


@login_required
def course_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
            # Lesson links, shown only to whom the lesson page opens.
            "may_open_lessons": enrolment is not None
            or access.can_preview_lessons(request.user, course),
            # The attendance and gradebook links, shown only to whom those pages open.
            "can_read_records": access.can_read_course_records(request.user, course),
            "can_enrol_self": enrolment is None and access.can_enrol_self(request.user, course),
            "is_open": selectors.is_open(course),
            "done": done,
            "required": required,
            "percent": int(done * 100 / required) if required else 0,
            "sessions": course.sessions.select_related("lesson")[:50],
            "checklist": setup_checklist(course) if can_manage and not preview else None,
        },
    )


def setup_checklist(course: Course) -> dict | None:
    """What a course still needs before students can use it (add lessons, enrol students,
    publish), each step with whether it is done; None once all are."""
    lessons = Lesson.objects.filter(section__course=course).count()
    students = course.enrolments.count()
    steps = {
        "lessons": lessons > 0,
        "students": students > 0,
        "published": course.is_published,
    }
    if all(steps.values()):
        return None
    return {**steps, "lesson_count": lessons, "student_count": students}


@login_required
def course_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "course.create")
    form = NewCourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = perform(
            request,
            services.create_course,
            request.user,
            form.save(commit=False),
            save_related=form.save_m2m,
            form=form,
        )
        if created:
            messages.success(
                request,
                _(
                    "The course is created. It is not published and has no students yet: "
                    "follow the checklist below (lessons, students, publishing)."
                ),
            )
            return redirect("courses:detail", pk=created.value.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": None})


@login_required
def course_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    form = CourseForm(request.POST or None, instance=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The course settings are saved. Here is the course page."))
        return redirect("courses:detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@login_required
@require_POST
def course_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    if request.POST.get("publish") == "1":
        if perform(request, services.publish_course, request.user, course):
            messages.success(
                request,
                _("The course is published: its enrolled students see it on their home page."),
            )
    elif perform(request, services.unpublish_course, request.user, course):
        messages.success(
            request,
            _(
                "The course is hidden from students. Their progress is kept for when it is "
                "published again."
            ),
        )
    return redirect("courses:detail", pk=course.pk)


@login_required
def course_copy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Reuse a course (an office course in a school, last year's course this year)."""
    course = visible_course_or_404(request, pk)
    require_capability(request.user, "course.create")
    form = CopyCourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        copied = perform(
            request,
            services.copy_course,
            course,
            by=request.user,
            organisation=form.cleaned_data["organisation"],
            form=form,
        )
        if copied:
            messages.success(request, _("The copy is ready. It stays hidden until you publish it."))
            return redirect("courses:content", pk=copied.value.pk)
    return render(request, "courses/course_copy.html", {"form": form, "course": course})
