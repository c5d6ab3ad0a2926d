"""ASGI entry point: Django for HTTP, Channels for WebSockets (areas add their routes here)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openclass.settings")
from openclass.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from openclass.accounts.middleware import PasswordChangeGate  # noqa: E402
from openclass.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            # Every socket: a temporary password is changed first, as for the pages.
            AuthMiddlewareStack(PasswordChangeGate(URLRouter(websocket_urlpatterns)))
        ),
    }
)


def serve() -> ProtocolTypeRouter:
    """The application as the server runs it (``uvicorn --factory openclass.asgi:serve``, in
    each worker): the process is tuned for serving first (``core.server.tune_for_serving``).
    Importing this module, as the tests do, changes nothing about the process."""
    from openclass.core.server import tune_for_serving

    tune_for_serving()
    return application
