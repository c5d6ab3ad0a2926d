"""``manage.py run_janus``: the local Janus of the embedded default, configured from the settings.

`make run` starts it beside uvicorn and Huey (``scripts/run.py``); Ctrl-C stops it. With
``OPENCLASS_JANUS_URLS`` set the pool runs elsewhere and this command refuses to start.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openclass.live.process import LocalJanus, is_installed
from openclass.live.registry import local_janus_config


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the local Janus server of the embedded default until interrupted."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--events-url",
            required=True,
            help="Where Janus posts its events: the app's /live/janus/events/ address.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JANUS_LOCAL:
            raise CommandError("OPENCLASS_JANUS_URLS is set: the Janus servers run elsewhere.")
        if not is_installed():
            raise CommandError("janus is not installed: run scripts/setup.sh.")
        janus = LocalJanus(local_janus_config(options["events_url"]), settings.VAR_DIR / "janus")
        # Started in the background by `make run`, SIGINT may arrive ignored: take both signals.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            janus.start()
            self.stdout.write(f"Janus is answering at {janus.api_url} (log: {janus.log_file})")
            while janus.process is not None and janus.process.poll() is None:
                time.sleep(0.5)
            raise CommandError(f"Janus stopped; see {janus.log_file}")
        except KeyboardInterrupt:
            pass
        finally:
            janus.stop()
