from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/step/", views.step, name="step"),
]
