"""WebSocket routes of every area, gathered for ``openclass.asgi``.

Areas append their consumers' routes here (progress heartbeats, live-class events).
"""

websocket_urlpatterns: list = []
