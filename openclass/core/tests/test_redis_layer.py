"""The scaled-out channel layer as the settings configure it, on a real redis-server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openclass.core.redis_process import is_installed, throwaway_redis

ROOT = Path(__file__).resolve().parents[3]

# A page waiting longer than channels_redis's own wait in Redis (5 s) for its next message, in a
# server process configured by the settings with OPENCLASS_REDIS_URL.
WAIT_PAST_THE_BLOCKING_POP = """
import asyncio, json, django
django.setup()
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    channel = await layer.new_channel()

    async def later():
        await asyncio.sleep(layer.brpop_timeout + 1.5)
        await layer.send(channel, {"type": "late"})

    sending = asyncio.ensure_future(later())
    message = await layer.receive(channel)
    await sending
    print(json.dumps({
        "message": message["type"],
        "backend": type(layer).__name__,
        "socket_timeout": layer.hosts[0].get("socket_timeout"),
        "blocking_pop": layer.brpop_timeout,
    }))

asyncio.run(main())
"""


@pytest.mark.skipif(not is_installed(), reason="redis-server is not installed (setup.sh --test)")
def test_a_page_waiting_past_the_blocking_pop_keeps_its_channel(tmp_path: Path) -> None:
    """redis-py 8 ends a read after 5 s by default, as long as channels_redis asks Redis to wait
    for a page's next message: without a longer socket timeout a quiet page's receive raised
    TimeoutError and the page was dropped (django/channels_redis#422)."""
    with throwaway_redis(tmp_path / "redis") as redis:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "openclass.settings",
            "OPENCLASS_REDIS_URL": redis.url,
            "OPENCLASS_VAR_DIR": str(tmp_path / "var"),
        }
        done = subprocess.run(
            [sys.executable, "-c", WAIT_PAST_THE_BLOCKING_POP],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["backend"] == "RedisChannelLayer"
    assert seen["message"] == "late"
    assert seen["socket_timeout"] > seen["blocking_pop"]
