from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("preferences/resume/", views.resume_preference, name="resume_preference"),
    path("todo/", views.todo, name="todo"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("healthz", views.health, name="health"),
]
