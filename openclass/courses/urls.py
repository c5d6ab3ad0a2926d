from django.urls import path

from .views import attendance, content, courses, enrolments, lessons, parents

app_name = "courses"

urlpatterns = [
    path("", courses.catalog, name="catalog"),
    path("new/", courses.course_create, name="create"),
    path("<id:pk>/", courses.course_detail, name="detail"),
    path("<id:pk>/edit/", courses.course_edit, name="edit"),
    path("<id:pk>/publish/", courses.course_publish, name="publish"),
    path("<id:pk>/copy/", courses.course_copy, name="copy"),
    path("<id:pk>/content/", content.content, name="content"),
    path("<id:pk>/content/move/", content.move, name="move"),
    path("<id:pk>/sections/<id:section_id>/", content.section_edit, name="section_edit"),
    path(
        "<id:pk>/sections/<id:section_id>/lessons/new/",
        content.lesson_form,
        name="lesson_create",
    ),
    path(
        "<id:pk>/sections/<id:section_id>/lessons/<id:lesson_id>/edit/",
        content.lesson_form,
        name="lesson_edit",
    ),
    path("<id:pk>/students/", enrolments.enrolments, name="enrolments"),
    path("<id:pk>/join/", enrolments.enrol_self, name="enrol_self"),
    path("<id:pk>/lessons/<id:lesson_id>/", lessons.lesson, name="lesson"),
    path("<id:pk>/lessons/<id:lesson_id>/progress/", lessons.heartbeat, name="heartbeat"),
    path(
        "<id:pk>/lessons/<id:lesson_id>/document.pdf",
        lessons.lesson_document,
        name="lesson_document",
    ),
    path("<id:pk>/timeline/", attendance.timeline, name="timeline"),
    path(
        "<id:pk>/timeline/<id:session_id>/delete/",
        attendance.session_delete,
        name="session_delete",
    ),
    path("<id:pk>/attendance/", attendance.attendance, name="attendance"),
    path("<id:pk>/attendance.xlsx", attendance.attendance_xlsx, name="attendance_xlsx"),
    path(
        "<id:pk>/attendance/<id:session_id>/<id:student_id>/",
        attendance.correct,
        name="attendance_correct",
    ),
    path("children/<id:child_id>/", parents.child_overview, name="child"),
    path("<id:pk>/children/<id:child_id>/", parents.child_course, name="child_course"),
    path(
        "students/<id:student_id>/attendance/",
        attendance.student_attendance,
        name="student_attendance",
    ),
]
