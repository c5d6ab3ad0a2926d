from django.urls import path

from . import attendance_views, views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("new/", views.course_create, name="create"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("<int:pk>/edit/", views.course_edit, name="edit"),
    path("<int:pk>/publish/", views.course_publish, name="publish"),
    path("<int:pk>/copy/", views.course_copy, name="copy"),
    path("<int:pk>/content/", views.content, name="content"),
    path("<int:pk>/content/move/", views.move, name="move"),
    path("<int:pk>/sections/<int:section_id>/", views.section_edit, name="section_edit"),
    path(
        "<int:pk>/sections/<int:section_id>/lessons/new/", views.lesson_form, name="lesson_create"
    ),
    path(
        "<int:pk>/sections/<int:section_id>/lessons/<int:lesson_id>/edit/",
        views.lesson_form,
        name="lesson_edit",
    ),
    path("<int:pk>/students/", views.enrolments, name="enrolments"),
    path("<int:pk>/join/", views.enrol_self, name="enrol_self"),
    path("<int:pk>/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("<int:pk>/lessons/<int:lesson_id>/progress/", views.heartbeat, name="heartbeat"),
    path(
        "<int:pk>/lessons/<int:lesson_id>/document.pdf",
        views.lesson_document,
        name="lesson_document",
    ),
    path("<int:pk>/timeline/", attendance_views.timeline, name="timeline"),
    path(
        "<int:pk>/timeline/<int:session_id>/delete/",
        attendance_views.session_delete,
        name="session_delete",
    ),
    path("<int:pk>/attendance/", attendance_views.attendance, name="attendance"),
    path("<int:pk>/attendance.xlsx", attendance_views.attendance_xlsx, name="attendance_xlsx"),
    path(
        "<int:pk>/attendance/<int:session_id>/<int:student_id>/",
        attendance_views.correct,
        name="attendance_correct",
    ),
    path(
        "students/<int:student_id>/attendance/",
        attendance_views.student_attendance,
        name="student_attendance",
    ),
]
