from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("sessions/<id:session_id>/", views.classroom, name="classroom"),
    path("sessions/<id:session_id>/start/", views.start, name="start"),
    path("rooms/<id:room_id>/end/", views.end, name="end"),
    path("rooms/<id:room_id>/attendance/", views.attendance, name="attendance"),
    path("rooms/<id:room_id>/attendance/confirm/", views.confirm, name="confirm"),
    path("rooms/<id:room_id>/recording/share/", views.share_recording, name="recording_share"),
    path("rooms/<id:room_id>/recording/delete/", views.delete_recording, name="recording_delete"),
    path("janus/events/", views.janus_events, name="janus_events"),
]
