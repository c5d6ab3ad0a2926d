from django.contrib.auth import views as auth_views
from django.urls import path

from .views import login, people, roster

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
        "classes/<id:pk>/first-login-sheet/",
        roster.credential_sheet,
        name="credential_sheet",
    ),
]
