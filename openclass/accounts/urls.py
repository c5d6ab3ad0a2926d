from django.contrib.auth import views as auth_views
from django.urls import path

from .views import login, organisations, people, roster, staff

app_name = "accounts"

urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    path("login/card/<str:token>/", login.card_login, name="card_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", login.PasswordChangeView.as_view(), name="password_change"),
    path("people/", people.people, name="people"),
    path("people/<id:pk>/", people.person, name="person"),
    path("people/<id:pk>/reset-password/", people.reset_password, name="reset_password"),
]

# Roster import and first-login sheets (school admins).
urlpatterns += [
    path("roster/", roster.roster_import, name="roster_import"),
    path(
        "roster/template.xlsx",
        roster.import_template,
        {"kind": "roster"},
        name="roster_template",
    ),
    path("staff/import/", roster.staff_import_page, name="staff_import"),
    path(
        "staff/import/template.xlsx",
        roster.import_template,
        {"kind": "staff"},
        name="staff_template",
    ),
    path(
        "classes/<id:pk>/first-login-sheet/",
        roster.credential_sheet,
        name="credential_sheet",
    ),
]

# The office's own pages (instead of Django admin): the organisation tree, staff accounts and
# teaching assignments, each with its history.
urlpatterns += [
    path("organisations/", organisations.organisations, name="organisations"),
    path("organisations/<id:pk>/", organisations.organisation, name="organisation"),
    path("organisations/<id:pk>/add/", organisations.organisation_add, name="organisation_add"),
    path("organisations/<id:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<id:pk>/retire/",
        organisations.organisation_retire,
        name="organisation_retire",
    ),
    path(
        "organisations/<id:pk>/delete/",
        organisations.organisation_delete,
        name="organisation_delete",
    ),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<id:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<id:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<id:pk>/active/", staff.staff_active, name="staff_active"),
    path("staff/<id:pk>/assign/", staff.staff_assign, name="staff_assign"),
    path("assignments/<id:pk>/remove/", staff.assignment_remove, name="assignment_remove"),
]
