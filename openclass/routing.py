"""WebSocket routes of every area, gathered for ``openclass.asgi``.

Areas append their consumers' routes here (progress heartbeats, live-class events).
"""

from django.urls import path

from openclass.courses.consumers import ProgressConsumer
from openclass.live.consumers import ClassroomConsumer

websocket_urlpatterns: list = [
    path("ws/progress/", ProgressConsumer.as_asgi()),
    path("ws/live/<int:room_id>/", ClassroomConsumer.as_asgi()),
]
