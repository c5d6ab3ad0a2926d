"""Starts the platform on its embedded default: uvicorn (HTTP + WebSocket), the Huey consumer and,
unless ``OPENCLASS_JANUS_URLS`` names a pool elsewhere, a local Janus for live classes.

Prints the address and the demo logins; Ctrl-C (or SIGTERM) stops them all cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openclass.settings")
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    from openclass.core.server import stop_process, uvicorn_command, wait_until_up

    python = sys.executable
    web = uvicorn_command(args.host, args.port, workers=settings.WEB_WORKERS)
    children = [
        subprocess.Popen([python, "manage.py", "run_huey", "--workers", "2"], cwd=ROOT),
        subprocess.Popen(web, cwd=ROOT),
    ]
    if not os.environ.get("OPENCLASS_JANUS_URLS"):
        # The embedded default runs its own Janus, which reports joins and leaves to us.
        events_url = f"http://127.0.0.1:{args.port}/live/janus/events/"
        children.append(
            subprocess.Popen(
                [python, "manage.py", "run_janus", "--events-url", events_url], cwd=ROOT
            )
        )

    def stop(*_: object) -> None:
        # Janus (last) first, while the app can still take the events it sends on its way out.
        for child in reversed(children):
            stop_process(child, timeout=15)

    # A shell starting us in the background leaves SIGINT ignored; Ctrl-C must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        address = f"http://{args.host}:{args.port}/"
        if wait_until_up(f"{address}healthz"):
            import django

            django.setup()
            from openclass.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD

            print(f"\n  openclass is running at {address}\n")
            print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
            for role, username in DEMO_LOGINS:
                print(f"    {role:<22} {username}")
            print(f"\n  A city site that signs in through openclass: {address}demo-site/")
            print(f"  The Open API and its documentation: {address}api/v1/docs")
            print("\n  Press Ctrl-C to stop.\n", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        died = next(child for child in children if child.poll() is not None)
        print(f"  {died.args[2]} stopped (exit code {died.returncode}); stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
