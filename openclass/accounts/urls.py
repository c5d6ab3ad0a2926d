from django.contrib.auth import views as auth_views
from django.urls import path

from . import roster_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/card/<str:token>/", views.card_login, name="card_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/reset-password/", views.reset_password, name="reset_password"),
]

# Roster import and first-login sheets (school admins).
urlpatterns += [
    path("roster/", roster_views.roster_import, name="roster_import"),
    path(
        "classes/<int:pk>/first-login-sheet/",
        roster_views.credential_sheet,
        name="credential_sheet",
    ),
]
