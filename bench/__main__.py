"""`python -m bench [name …]`: run every benchmark module of this package (or the named ones)."""

from __future__ import annotations

import importlib
import pkgutil
import signal
import sys
import time
from types import FrameType

import bench


def _benchmarks() -> list[str]:
    """Every module of the package not starting with "_", in name order."""
    return sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Unwind like Ctrl-C, so each benchmark stops its server and removes its temporary files."""
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    available = _benchmarks()
    chosen = argv or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    # Ctrl-C raises KeyboardInterrupt even when started from a shell that ignores it (a
    # background job), and SIGTERM does the same: either way the servers are stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    for name in chosen:
        started = time.monotonic()
        print(f"\n=== {name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except KeyboardInterrupt:
            print(f"\n{name}: interrupted; the server is stopped.")
            return 130
        print(f"=== {name}: {time.monotonic() - started:.0f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
