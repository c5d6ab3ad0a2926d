"""WebSocket routes of every area, gathered for ``openclass.asgi``.

Areas append their consumers' routes here (progress heartbeats, live-class events).
"""

from django.urls import path

import openclass.core.params  # noqa: F401  (registers <id:…>)
from openclass.courses.consumers import ProgressConsumer
from openclass.live.consumers import ClassroomConsumer

websocket_urlpatterns: list = [
    path("ws/progress/", ProgressConsumer.as_asgi()),
    path("ws/live/<id:room_id>/", ClassroomConsumer.as_asgi()),
]
