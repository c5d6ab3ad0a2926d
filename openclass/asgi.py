"""ASGI entry point: Django for HTTP, Channels for WebSockets (areas add their routes here)."""

import gc
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openclass.settings")
from openclass.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from openclass.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# One worker runs the event loop (WebSockets, async views) beside the threads of the synchronous
# views and database work. Python hands the interpreter lock between threads every 5 ms by
# default; a thread rendering a page then holds up every heartbeat the loop should answer.
# 1 ms keeps the loop responsive (bench/heartbeats: beat p95 166 ms → 9 ms, home page p95
# 460 ms → 60 ms). Everything loaded so far lives as long as the process: freezing it keeps
# the garbage collector from scanning it again and again (beat p99 150 ms → 45 ms).
# What comes later — a school's pages, 2,000 of them in bench/live_classroom — is scanned in
# full every few seconds at the default thresholds: 13 % of the server's time there, in
# pauses of ~300 ms. Collecting the young generation after 10,000 allocations instead of 700
# (most objects die young by reference counting, so each collection finds few survivors)
# and the older ones rarely cuts that to a few per cent in short pauses (class-room chat
# p95 480 → 190 ms there).
sys.setswitchinterval(0.001)
gc.freeze()
gc.set_threshold(10_000, 50, 1000)
