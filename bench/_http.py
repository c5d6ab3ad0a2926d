"""HTTP pieces the benchmarks share: a minimal keep-alive client, timed requests, figures and
how they are printed, and the bare-Django calibration every benchmark prints beside its own."""

from __future__ import annotations

import asyncio
import math
import secrets
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench import Server, ms, percentile


def csrf_token() -> str:
    """A CSRF secret of our own: Django accepts a 32-character secret as both the cookie and the
    form's token."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


@dataclass
class Figures:
    rate: float = math.nan
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    server_cpu: float = math.nan
    client_cpu: float = math.nan
    elapsed: float = math.nan


class RawHTTP:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams. httpx costs the load generator
    about a millisecond of CPU a request, which on this 2-core machine caps what it can offer
    the server; this costs a small fraction, so the figures are the server's."""

    def __init__(self, server: Server, cookies: dict[str, str] | None = None) -> None:
        scheme, _sep, address = server.base_url.partition("://")
        self.host, port = address.split(":")
        self.port = int(port)
        self.tls = server.tls()
        # Django checks the origin of a POST made over HTTPS.
        self.origin = f"Origin: {server.base_url}\r\n" if scheme == "https" else ""
        self.cookies = dict(cookies or {})  # sent with each request, kept up by Set-Cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.busy = asyncio.Lock()  # one request at a time on the connection
        self.location = ""  # the Location header of the last redirect

    async def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """(status, body); ``headers`` are sent besides the cookies (an Authorization)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, ssl=self.tls
            )
        body = urlencode(form, doseq=True).encode() if form else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if self.cookies:
            head += f"Cookie: {'; '.join(f'{k}={v}' for k, v in self.cookies.items())}\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        if form:
            head += self.origin + (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        self.writer.write(f"{head}\r\n".encode() + body)
        status = int((await self.reader.readline()).split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
            elif name == "location":
                self.location = line.decode("latin-1").partition(":")[2].strip()
            elif name == "set-cookie":
                cookie = line.decode("latin-1").partition(":")[2].split(";", 1)[0]
                key, _eq, content = cookie.strip().partition("=")
                self.cookies[key] = content
        if chunked:
            content = b""
            while size := int((await self.reader.readline()).strip(), 16):
                content += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            content = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def timed(client: RawHTTP, method: str, path: str, form: dict | None = None) -> tuple:
    """(seconds, status) of one request; status 0 on a connection error."""
    async with client.busy:
        started = time.perf_counter()
        try:
            status, _body = await client.request(method, path, form)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            await client.close()
            status = 0
        return time.perf_counter() - started, status


async def bare_django(server: Server, clients: int = 32, seconds: float = 10.0) -> Figures:
    """The bare-Django figure: GET /healthz (a trivial view) from 32 keep-alive clients."""
    figures = Figures()
    end = time.perf_counter() + seconds

    async def client_loop() -> None:
        client = RawHTTP(server)
        try:
            while time.perf_counter() < end:
                took, status = await timed(client, "GET", "/healthz")
                if status == 200:
                    figures.latencies.append(took)
                else:
                    figures.errors[f"HTTP {status}"] += 1
        finally:
            await client.close()

    cpu, client_cpu = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    figures.elapsed = time.perf_counter() - started
    figures.server_cpu = server.cpu_seconds() - cpu
    figures.client_cpu = time.process_time() - client_cpu
    figures.rate = len(figures.latencies) / figures.elapsed
    return figures


def print_line(name: str, figures: Figures, unit: str) -> None:
    times = figures.latencies
    print(
        f"    {name:<22} {figures.rate:,.0f} {unit}/s   p50 {ms(percentile(times, 50))}"
        f"  p95 {ms(percentile(times, 95))}  p99 {ms(percentile(times, 99))}"
        f"   CPU server {figures.server_cpu / figures.elapsed:.2f}, load generator "
        f"{figures.client_cpu / figures.elapsed:.2f} cores"
        + (f"   errors {dict(figures.errors)}" if figures.errors else "")
    )


def print_percentiles(name: str, values: list[float], extra: str = "") -> None:
    print(
        f"    {name:<30} p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}"
        f"  p99 {ms(percentile(values, 99))}" + (f"   {extra}" if extra else "")
    )


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"
