from django.urls import path

from . import views

app_name = "media"

urlpatterns = [
    path("", views.my_videos, name="my_videos"),
    path("<id:pk>/", views.video_detail, name="detail"),
    path("<id:pk>/status/", views.status, name="status"),
    path("<id:pk>/status/fragment/", views.status_fragment, name="status_fragment"),
    path("<id:pk>/retry/", views.retry, name="retry"),
    # tus 1.0.0: POST here creates an upload; its Location takes HEAD, PATCH and DELETE.
    path("uploads/", views.UploadCreateView.as_view(), name="tus_create"),
    path("uploads/<str:key>/", views.UploadView.as_view(), name="tus_upload"),
    # Signed, per-user HLS: master.m3u8, <rendition>/index.m3u8, segments and poster.jpg.
    path("play/<str:token>/<path:name>", views.hls_file, name="hls"),
]
