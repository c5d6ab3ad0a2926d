from django.urls import path

from . import views

app_name = "lists"

urlpatterns = [
    path("", views.index, name="index"),
    path("save/", views.save, name="save"),
    path("shared/<slug:token>/", views.shared, name="shared"),
    path("shared/<slug:token>/copy/", views.shared_copy, name="shared_copy"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/share/", views.share, name="share"),
    path("<id:pk>/link/", views.link, name="link"),
    path("<id:pk>/copy/", views.copy, name="copy"),
    path("<id:pk>/items/<id:item_id>/move/", views.move, name="move"),
    path("<id:pk>/items/<id:item_id>/note/", views.annotate, name="annotate"),
    path("<id:pk>/items/<id:item_id>/remove/", views.remove, name="remove"),
]
