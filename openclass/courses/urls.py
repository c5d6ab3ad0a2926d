from django.urls import path

from .views import attendance, content, courses, enrolments, lessons

app_name = "courses"

urlpatterns = [
    path("", courses.catalog, name="catalog"),
    path("new/", courses.course_create, name="create"),
    path("<int:pk>/", courses.course_detail, name="detail"),
    path("<int:pk>/edit/", courses.course_edit, name="edit"),
    path("<int:pk>/publish/", courses.course_publish, name="publish"),
    path("<int:pk>/copy/", courses.course_copy, name="copy"),
    path("<int:pk>/content/", content.content, name="content"),
    path("<int:pk>/content/move/", content.move, name="move"),
    path("<int:pk>/sections/<int:section_id>/", content.section_edit, name="section_edit"),
    path(
        "<int:pk>/sections/<int:section_id>/lessons/new/",
        content.lesson_form,
        name="lesson_create",
    ),
    path(
        "<int:pk>/sections/<int:section_id>/lessons/<int:lesson_id>/edit/",
        content.lesson_form,
        name="lesson_edit",
    ),
    path("<int:pk>/students/", enrolments.enrolments, name="enrolments"),
    path("<int:pk>/join/", enrolments.enrol_self, name="enrol_self"),
    path("<int:pk>/lessons/<int:lesson_id>/", lessons.lesson, name="lesson"),
    path("<int:pk>/lessons/<int:lesson_id>/progress/", lessons.heartbeat, name="heartbeat"),
    path(
        "<int:pk>/lessons/<int:lesson_id>/document.pdf",
        lessons.lesson_document,
        name="lesson_document",
    ),
    path("<int:pk>/timeline/", attendance.timeline, name="timeline"),
    path(
        "<int:pk>/timeline/<int:session_id>/delete/",
        attendance.session_delete,
        name="session_delete",
    ),
    path("<int:pk>/attendance/", attendance.attendance, name="attendance"),
    path("<int:pk>/attendance.xlsx", attendance.attendance_xlsx, name="attendance_xlsx"),
    path(
        "<int:pk>/attendance/<int:session_id>/<int:student_id>/",
        attendance.correct,
        name="attendance_correct",
    ),
    path(
        "students/<int:student_id>/attendance/",
        attendance.student_attendance,
        name="student_attendance",
    ),
]
