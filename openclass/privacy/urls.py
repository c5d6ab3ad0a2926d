from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.data_export, name="data_export"),
    path("consents/", views.consents, name="consents"),
    path("consents/decide/", views.consent_decide, name="consent_decide"),
    path("leavers/", views.leavers, name="leavers"),
    path("leavers/<id:pk>/cancel/", views.leaving_cancel, name="leaving_cancel"),
    path("people/<id:pk>/leaving/", views.leaving, name="leaving"),
]
