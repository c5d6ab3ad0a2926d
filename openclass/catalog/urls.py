from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.topics, name="topics"),
    path("new/", views.topic_new, name="topic_new"),
    path("<id:pk>/", views.topic, name="topic"),
    path("<id:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("<id:pk>/retire/", views.topic_retire, name="topic_retire"),
    path("<id:pk>/elements/new/", views.element_new, name="element_new"),
    path("elements/<id:pk>/", views.element_edit, name="element_edit"),
    path("audiences/", views.audiences, name="audiences"),
    path("audiences/<id:pk>/", views.audience_edit, name="audience_edit"),
]
