"""The OpenID Connect storm: a whole city's students logging in to another site of the office
through openclass at the start of the day (issue 16's benchmark).

1,000 distinct students arrive evenly over 60 s (≈16.7 a second). Each is its own browser and
the relying site's server is a client of its own: the browser opens the site's "log in with
openclass" link (GET ``/o/authorize/`` with PKCE S256, not signed in: sent to the login page),
loads the login page, posts its user name and password (Argon2id), is sent back to the
authorization endpoint and from there, the site being trusted (no consent screen), to the site's
callback with a code. The site exchanges the code at the token endpoint (POST ``/o/token/``,
``client_secret_basic``, the PKCE verifier), reads the ID token's nonce and audience, calls
userinfo with the access token, then makes five Open API calls with it (whichever of
``API_CANDIDATES`` the document at ``/api/v1/openapi.json`` lists and answer, printed).

The relying site is registered by the benchmark's own set-up: a ``hub.Site`` that is trusted
(``skip_authorization``), confidential, with a secret it keeps in plain text (the model hashes it
when first saved). Its students are a school of their own added to the small demo city, enrolled
in a course, sharing the demo password's one Argon2 hash (each login still verifies it).

Printed: the bare-Django calibration (GET ``/healthz``), p50/p95/p99 of each step, of the whole
flow (authorize … userinfo), of the token endpoint, userinfo and an API call, the CPU of the server
and of this load generator, errors by kind, and the targets with PASS or MISS: whole flow p95 <
1.5 s, token endpoint p95 < 100 ms, API call p95 < 50 ms, 0 errors.

Profiles (``OPENCLASS_BENCH_PROFILE``, as bench/storm): ``embedded`` (the default: one uvicorn
worker, SQLite in WAL mode) or ``scaled`` (a throw-away PostgreSQL, Redis, two uvicorn workers;
through Debian's nginx over HTTPS in production mode as the scaled test pass runs it, when nginx
is installed). A quick run: ``OPENCLASS_BENCH_WINDOW=10`` (arrivals over 10 s at the same rate,
167 students), or ``python -m bench.oidc_storm --window 10``. ``OPENCLASS_BENCH_CPROFILE=1``
(or ``--cprofile``) profiles the slowest step afterwards inside the installation's Django;
``OPENCLASS_BENCH_CPROFILE="API call"`` (or a step's name) that one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import random
import re
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from bench import Meter, Server, Usage, demo_site, ms, percentile, running_server
from bench._http import RawHTTP, bare_django, csrf_token, print_line, print_percentiles, verdict
from bench._live import TIMEOUT, paced
from bench._setup import DEMO_PASSWORD

STUDENTS, WINDOW = 1000, 60.0
API_CALLS = 5
HEALTHZ_SECONDS = 5.0
TARGET_FLOW_P95, TARGET_TOKEN_P95, TARGET_API_P95 = 1.5, 0.100, 0.050
PROFILES = ("embedded", "scaled")
CLIENT_ID = "oidc-storm"
# Never requested: the benchmark reads the code from the redirect to it, as a browser would
# before following it. HTTPS: production mode (the scaled profile behind nginx) takes no other.
REDIRECT_URI = "https://site.example.org/oidc-storm/callback"
# What the site asks for: those of these the provider knows (settings.OAUTH2_PROVIDER["SCOPES"]).
SCOPES_WANTED = (
    "openid",
    "profile",
    "school",
    "roster",
    "courses",
    "records",
    "live",
    "notifications",
)
AUTHORIZE, TOKEN, USERINFO = "/o/authorize/", "/o/token/", "/o/userinfo/"
OPENAPI = "/api/v1/openapi.json"
STEPS = (
    "authorize → login",
    "login page",
    "login POST",
    "authorize → code",
    "token",
    "userinfo",
)
# The API calls a site makes after a login, first found first taken; a path parameter (its only
# one, under /courses/) is the students' course. Fewer than five found are taken in turn.
API_CANDIDATES = (
    "/api/v1/me",
    "/api/v1/courses",
    "/api/v1/courses/{pk}",
    "/api/v1/courses/{pk}/lessons",
    "/api/v1/enrolments",
    "/api/v1/notifications",
    "/api/v1/courses/{pk}/progress",
    "/api/v1/live/sessions",
)


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, students: int, secret: str) -> None:
    """A school of ``students`` (+1 for the warm-up) signing in with the demo password, enrolled
    in a course, and the trusted relying site with ``secret``; writes the students (user name,
    name) and the course to ``output`` (JSON)."""
    from django.contrib.auth.hashers import make_password
    from oauth2_provider.models import get_application_model

    from bench._setup import add_students, add_teachers, video_course
    from openclass.accounts.models import User

    school = add_students(students + 1, code="oidc")
    pupils = list(
        User.objects.filter(username__startswith="oidc-", role=User.Role.STUDENT).order_by(
            "username"
        )
    )
    User.objects.filter(pk__in=[p.pk for p in pupils]).update(password=make_password(DEMO_PASSWORD))
    # Its teacher owns the course: the scaled profile's city has no office administrator.
    (teacher,) = add_teachers(school, 1, code="oidc")
    lesson = video_course(school, pupils, 3600.0, owner=teacher)
    from django.conf import settings

    scope = " ".join(s for s in SCOPES_WANTED if s in settings.OAUTH2_PROVIDER["SCOPES"])
    Site = get_application_model()
    # The secret is hashed when the site is first saved: the benchmark keeps the plain text.
    Site.objects.create(
        name="oidc_storm 벤치 사이트",
        client_id=CLIENT_ID,
        client_secret=secret,
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=Site.RS256_ALGORITHM,
        skip_authorization=True,
        allowed_scopes=scope,
    )
    Path(output).write_text(
        json.dumps(
            {
                "students": [[p.username, p.name] for p in pupils],
                "course": lesson.section.course_id,
                "scope": scope,
            }
        )
    )


# --- One student's login ----------------------------------------------------------------------


@dataclass
class Flow:
    username: str
    name: str
    took: dict[str, float] = field(default_factory=dict)
    api: list[float] = field(default_factory=list)
    whole: float = math.nan  # authorize … userinfo
    with_api: float = math.nan  # … and the API calls
    failed: str = ""  # the step that failed
    error: str = ""  # how
    access_token: str = ""


class Failed(Exception):
    """A step failed: (step, how)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_claims(token: str) -> dict:
    """The claims of a JWT, unverified (the load generator checks nonce and audience only)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _path(location: str) -> str:
    """A redirect's path and query, whether it came relative or absolute."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _step(
    client: RawHTTP,
    flow: Flow | None,
    step: str,
    method: str,
    path: str,
    form: dict | None = None,
    headers: dict | None = None,
) -> tuple[int, bytes, float]:
    client.location = ""
    started = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(client.request(method, path, form, headers), TIMEOUT)
    except TimeoutError as exc:
        await client.close()
        raise Failed(step, "timeout") from exc
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
        await client.close()
        raise Failed(step, "connection error") from exc
    took = time.perf_counter() - started
    if flow is not None and step in STEPS:
        flow.took[step] = took
    return status, body, took


def _json(step: str, body: bytes) -> dict:
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise Failed(step, "not JSON") from exc
    if not isinstance(answer, dict):
        raise Failed(step, "not a JSON object")
    return answer


@dataclass
class RelyingSite:
    """What the benchmark's site knows: its client id and plain secret, the API calls it makes."""

    secret: str
    scope: str
    api_paths: list[str] = field(default_factory=list)

    @property
    def basic(self) -> str:
        """``client_secret_basic`` (RFC 6749 2.3.1: each part form-encoded first)."""
        pair = f"{quote(CLIENT_ID, safe='')}:{quote(self.secret, safe='')}"
        return "Basic " + base64.b64encode(pair.encode()).decode()


async def log_in(server: Server, site: RelyingSite, flow: Flow) -> None:
    """The whole login of one student, then the site's API calls with the access token."""
    browser = RawHTTP(server)
    backend = RawHTTP(server)  # the relying site's server
    verifier = secrets.token_urlsafe(48)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": site.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
    )
    authorize = f"{AUTHORIZE}?{query}"
    began = time.perf_counter()
    try:
        step = "authorize → login"
        status, _body, _took = await _step(browser, flow, step, "GET", authorize)
        login = _path(browser.location)
        if status != 302 or not login.startswith("/accounts/login/"):
            raise Failed(step, f"HTTP {status} to {login[:40]!r}")
        next_url = parse_qs(urlsplit(login).query).get("next", [""])[0]
        if _path(next_url) != authorize:
            raise Failed(step, "login's next is not the authorization")

        step = "login page"
        status, _body, _took = await _step(browser, flow, step, "GET", login)
        if status != 200:
            raise Failed(step, f"HTTP {status}")
        token = browser.cookies.setdefault(server.csrf_cookie, csrf_token())
        form = {
            "csrfmiddlewaretoken": token,
            "username": flow.username,
            "password": DEMO_PASSWORD,
            "remember": "on",
            "next": next_url,
        }
        step = "login POST"
        status, _body, _took = await _step(browser, flow, step, "POST", login, form)
        if status != 302 or _path(browser.location) != authorize:
            raise Failed(step, f"HTTP {status} to {_path(browser.location)[:40]!r}")

        step = "authorize → code"
        status, _body, _took = await _step(browser, flow, step, "GET", authorize)
        back = urlsplit(browser.location)
        answer = parse_qs(back.query)
        if status != 302 or f"{back.scheme}://{back.netloc}{back.path}" != REDIRECT_URI:
            raise Failed(step, f"HTTP {status} to {browser.location[:40]!r}")
        if "error" in answer:
            raise Failed(step, f"error={answer['error'][0]}")
        if answer.get("state") != [state] or "code" not in answer:
            raise Failed(step, "no code, or another state")

        step = "token"
        exchange = {
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
        headers = {"Authorization": site.basic}
        status, body, _took = await _step(backend, flow, step, "POST", TOKEN, exchange, headers)
        if status != 200:
            raise Failed(step, f"HTTP {status}")
        tokens = _json(step, body)
        if tokens.get("token_type", "").lower() != "bearer" or "id_token" not in tokens:
            raise Failed(step, f"no bearer access token or no ID token: {sorted(tokens)}")
        claims = _jwt_claims(tokens["id_token"])
        audience = claims.get("aud")
        if claims.get("nonce") != nonce or CLIENT_ID not in (
            audience if isinstance(audience, list) else [audience]
        ):
            raise Failed(step, "ID token with another nonce or audience")
        flow.access_token = tokens["access_token"]
        bearer = {"Authorization": f"Bearer {flow.access_token}"}

        step = "userinfo"
        status, body, _took = await _step(backend, flow, step, "GET", USERINFO, None, bearer)
        if status != 200:
            raise Failed(step, f"HTTP {status}")
        info = _json(step, body)
        if info.get("sub") != claims.get("sub"):
            raise Failed(step, "another sub than the ID token's")
        if "name" in info and info["name"] != flow.name:
            raise Failed(step, "another name")
        flow.whole = time.perf_counter() - began

        step = "API call"
        for path in site.api_paths:
            status, body, took = await _step(backend, flow, step, "GET", path, None, bearer)
            if status != 200:
                raise Failed(step, f"HTTP {status} ({path})")
            flow.api.append(took)
        flow.with_api = time.perf_counter() - began
    except Failed as failure:
        flow.failed, flow.error = failure.args
    finally:
        await browser.close()
        await backend.close()


async def _choose_api(server: Server, site: RelyingSite, token: str, course: int) -> list[str]:
    """Up to five GET operations of the OpenAPI document from ``API_CANDIDATES`` that answer the
    warm-up student's token with 200; the same ones each time, taken in turn when fewer."""
    client = RawHTTP(server)
    try:
        status, body = await client.request("GET", OPENAPI)
        document = json.loads(body) if status == 200 else {}
        listed = {p for p, operations in document.get("paths", {}).items() if "get" in operations}
        chosen = []
        for candidate in API_CANDIDATES:
            if candidate not in listed or len(chosen) == API_CALLS:
                continue
            path = re.sub(r"\{\w+\}", str(course), candidate, count=1)
            if "{" in path or ("{" in candidate and not candidate.startswith("/api/v1/courses/")):
                continue
            status, _body = await client.request(
                "GET", path, headers={"Authorization": f"Bearer {token}"}
            )
            if status == 200:
                chosen.append(path)
    finally:
        await client.close()
    return [chosen[n % len(chosen)] for n in range(API_CALLS)] if chosen else []


# --- The run ----------------------------------------------------------------------------------


async def _storm(server: Server, setup: dict, secret: str, window: float, meter: Meter) -> dict:
    healthz = await bare_django(server, seconds=HEALTHZ_SECONDS)
    print("\n  calibration (same server, same run):")
    print_line("bare Django /healthz", healthz, "req")

    site = RelyingSite(secret, setup["scope"])
    (warm_name, warm_display), *students = setup["students"]
    warm = Flow(warm_name, warm_display)
    await log_in(server, site, warm)  # the server's first login: warms it up, unmeasured
    if warm.failed:
        return {"healthz": healthz, "warm": warm}
    site.api_paths = await _choose_api(server, site, warm.access_token, setup["course"])
    count = round(STUDENTS * window / WINDOW)
    flows = [Flow(username, name) for username, name in students[:count]]
    random.Random(16).shuffle(flows)
    print(
        f"\n  API calls after each login ({len(site.api_paths)}): "
        + (", ".join(site.api_paths) or f"none: {OPENAPI} lists none of the candidates")
    )

    async def one(flow: Flow) -> None:
        await log_in(server, site, flow)

    meter.start()
    arrivals = await paced(flows, count / window, one)
    usage = meter.stop()
    for flow, result in zip(flows, arrivals.results, strict=True):
        if result is None and not flow.took:
            flow.failed, flow.error = "shed", "too many earlier arrivals unanswered"
    return {
        "healthz": healthz,
        "warm": warm,
        "flows": flows,
        "window": window,
        "usage": usage,
        "api_paths": site.api_paths,
        "shed": arrivals.shed,
    }


def _report(result: dict) -> dict[str, float]:
    warm: Flow = result["warm"]
    if "flows" not in result:
        print(f"\n  the warm-up login failed at {warm.failed}: {warm.error}; nothing measured")
        return {}
    flows: list[Flow] = result["flows"]
    usage: Usage = result["usage"]
    window = result["window"]
    print(
        f"\n  {len(flows):,} students log in to the trusted site over {window:.0f} s "
        f"({len(flows) / window:.1f} arrivals/s; the last was done after {usage.elapsed:.0f} s)"
    )
    for step in STEPS:
        times = [f.took[step] for f in flows if step in f.took]
        failed = sum(1 for f in flows if f.failed == step)
        print_percentiles(step, times, f"errors {failed}" if failed else "")
    whole = [f.whole for f in flows if not math.isnan(f.whole)]
    print_percentiles(
        "whole flow (authorize … userinfo)", whole, f"{len(whole):,} of {len(flows):,} logged in"
    )
    api = [t for f in flows for t in f.api]
    failed = sum(1 for f in flows if f.failed == "API call")
    print_percentiles(
        f"API call ({API_CALLS} a login)",
        api,
        f"{len(api):,} answered" + (f", errors {failed}" if failed else ""),
    )
    with_api = [f.with_api for f in flows if not math.isnan(f.with_api)]
    print_percentiles("whole flow + API calls", with_api)
    print(f"    {'CPU':<30} {usage}")
    server_ms = usage.cores["server"] * usage.elapsed / max(1, len(whole)) * 1000
    print(f"    {'server CPU a login':<30} {server_ms:.0f} ms (with its {API_CALLS} API calls)")
    errors = Counter(f"{f.failed}: {f.error[:60]}" for f in flows if f.failed)
    print(
        f"    {'errors':<30} "
        + (", ".join(f"{kind} × {n}" for kind, n in errors.most_common()) or "none")
        + (f"   ({result['shed']} arrivals shed)" if result["shed"] else "")
    )
    healthz = result["healthz"]
    flow_p95 = percentile(whole, 95)
    token_p95 = percentile([f.took["token"] for f in flows if "token" in f.took], 95)
    api_p95 = percentile(api, 95)
    print(
        f"\n  beside the calibration: bare Django p95 {ms(percentile(healthz.latencies, 95))} "
        f"at {healthz.rate:,.0f} req/s"
    )
    passed = {
        f"whole flow p95 < {TARGET_FLOW_P95:.1f} s ({ms(flow_p95)})": flow_p95 < TARGET_FLOW_P95,
        f"token p95 < {TARGET_TOKEN_P95 * 1000:.0f} ms ({ms(token_p95)})": (
            token_p95 < TARGET_TOKEN_P95
        ),
        f"API call p95 < {TARGET_API_P95 * 1000:.0f} ms ({ms(api_p95)})": (
            bool(api) and api_p95 < TARGET_API_P95
        ),
        f"0 errors ({errors.total()})": not errors,
    }
    print("\n  targets:")
    for text, ok in passed.items():
        print(f"    {text:<40} {verdict(ok)}")
    p95s = {step: percentile([f.took[step] for f in flows if step in f.took], 95) for step in STEPS}
    return {**p95s, "API call": api_p95}


# --- Profiling the slowest step, inside the installation's Django ------------------------------


def profile_step(step: str, count: int, secret: str, api_paths: list[str]) -> None:
    """Run ``count`` logins of the set-up's students through Django's test client (the whole
    middleware stack, no server), with ``api_paths`` after each, profiling only ``step`` (one of
    STEPS or "API call"); prints where its time goes (for API calls, per path too)."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from oauth2_provider.models import get_application_model

    from openclass.accounts.models import User

    scope = get_application_model().objects.get(client_id=CLIENT_ID).allowed_scopes
    students = list(User.objects.filter(username__startswith="oidc-").order_by("-username"))
    profiler = cProfile.Profile()
    site = RelyingSite(secret, scope)
    took: list[float] = []
    queries: list[str] = []
    by_path: dict[str, list[tuple[float, int]]] = {}
    each: dict[str, list[float]] = {}  # the steps not profiled, timed
    # One client each (a client's first request loads the middleware: WhiteNoise lists the
    # static files), the browser's cookies cleared for each student.
    client, backend = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    client.get("/healthz"), backend.get("/healthz")
    for student in students[:count]:
        client.cookies.clear()
        verifier = secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": "s",
            "nonce": "n",
            "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        authorize = f"{AUTHORIZE}?{urlencode(query)}"

        def timed(name: str, call: Callable, *args, **kwargs):
            if name != step:
                started = time.perf_counter()
                try:
                    return call(*args, **kwargs)
                finally:
                    each.setdefault(name, []).append(time.perf_counter() - started)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                profiler.enable()
                try:
                    return call(*args, **kwargs)
                finally:
                    profiler.disable()
                    took.append(time.perf_counter() - started)
                    queries.extend(q["sql"] for q in captured.captured_queries)

        login = timed("authorize → login", client.get, authorize)["Location"]
        timed("login page", client.get, login)
        form = {"username": student.username, "password": DEMO_PASSWORD, "next": authorize}
        timed("login POST", client.post, login, form)
        back = timed("authorize → code", client.get, authorize)["Location"]
        exchange = {
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(back).query)["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
        answer = timed("token", backend.post, TOKEN, exchange, HTTP_AUTHORIZATION=site.basic)
        bearer = f"Bearer {answer.json()['access_token']}"
        timed("userinfo", backend.get, USERINFO, HTTP_AUTHORIZATION=bearer)
        for path in api_paths:
            before = len(took), len(queries)
            timed("API call", backend.get, path, HTTP_AUTHORIZATION=bearer)
            if step == "API call":
                by_path.setdefault(path, []).append((took[-1], len(queries) - before[1]))
    each[step] = took
    print(
        "\n  each step in-process, one at a time (Django's test client, no server; a login's "
        f"API calls together; {step!r} under the profiler):"
    )
    for name in (*STEPS, "API call"):
        times = each.get(name, [])
        if name == "API call":
            calls = max(1, len(api_paths))
            times = [sum(times[n : n + calls]) for n in range(0, len(times), calls)]
        print(f"    {name:<20} p50 {ms(percentile(times, 50))}  p95 {ms(percentile(times, 95))}")
    print(
        f"\n  cProfile of {step!r} over {len(took)} logins in-process (Django's test client): "
        f"p50 {ms(percentile(took, 50))}, p95 {ms(percentile(took, 95))}"
    )
    rows = pstats.Stats(profiler).stats  # {(file, line, function): (calls, …, own time, …)}
    total = sum(row[2] for row in rows.values())
    where: Counter = Counter()
    for (filename, _line, function), row in rows.items():
        where[_package(filename, function)] += row[2]
    print(f"\n  own time by package ({total:.2f} s in all):")
    for package, seconds in where.most_common(12):
        print(f"    {seconds / total:>5.0%}  {package}")
    for path, calls in by_path.items():
        times = [t for t, _n in calls]
        statements = sum(n for _t, n in calls) / len(calls)
        print(
            f"    {path:<34} p50 {ms(percentile(times, 50))}  p95 {ms(percentile(times, 95))}"
            f"  {statements:.0f} SQL statements"
        )
    shapes = Counter(_statement(sql) for sql in queries)
    print(f"\n  SQL: {len(queries) / max(1, len(took)):.1f} statements a request, the most common:")
    for shape, count in shapes.most_common(12):
        print(f"    {count / max(1, len(took)):>5.1f} × {shape}")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime").print_stats(12)
    print("\n  by own time:\n" + text.getvalue().split("\n", 6)[-1].rstrip())


def _statement(sql: str) -> str:
    """A statement's kind and tables: ``SELECT hub_site``, ``INSERT oauth2_provider_idtoken``."""
    words = sql.split()
    kind = words[0].upper() if words else "?"
    tables = sorted(set(re.findall(r'(?:FROM|INTO|UPDATE|JOIN) "?(\w+)"?', sql)))
    return f"{kind} {', '.join(tables)}".strip()


def _package(filename: str, function: str) -> str:
    """Where a profiled function lives: ``openclass.<app>``, a site package, or the built-in
    (a C function: Argon2, SQLite, RSA …) by its name."""
    if filename == "~":
        return f"C: {function.strip('{}').removeprefix('built-in method ')[:60]}"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        package = parts[parts.index("site-packages") + 1 :]
        if package[0] == "django" and len(package) > 2:  # django.db, django.middleware …
            return f"django.{package[1]}"
        return package[0].removesuffix(".py")
    if "openclass" in parts:
        rest = parts[parts.index("openclass") + 1 :]
        return "openclass." + (rest[0].removesuffix(".py") if rest else "")
    return f"stdlib {path.stem}"


# --- The profiles -----------------------------------------------------------------------------


@dataclass
class Installation:
    server: Server
    manage: Callable[..., str]
    folder: Path
    others: dict[str, list[int]]
    description: str


def _embedded(stack: contextlib.ExitStack) -> Installation:
    site = stack.enter_context(demo_site("small"))
    server = stack.enter_context(running_server(site))
    return Installation(
        server, site.manage, site.var_dir, {}, "uvicorn, 1 worker, SQLite in WAL mode"
    )


def _scaled(stack: contextlib.ExitStack) -> Installation:
    """The scaled test pass's stack behind nginx when nginx is installed (bench/storm's), else a
    throw-away PostgreSQL, Redis and two uvicorn workers, clients talking to them directly."""
    from bench.storm import _behind_nginx, _postmaster, _workers, throwaway_postgres
    from openclass.core.redis_process import throwaway_redis

    database = stack.enter_context(throwaway_postgres())
    if shutil.which("nginx"):
        storm = _behind_nginx(stack, database)
        return Installation(
            storm.server, storm.manage, storm.folder, storm.others, storm.description
        )
    site = stack.enter_context(demo_site("small", database_url=database))
    redis = stack.enter_context(throwaway_redis(site.var_dir / "redis"))
    site.env["OPENCLASS_REDIS_URL"] = redis.url
    site.env["OPENCLASS_WEB_WORKERS"] = "2"
    server = stack.enter_context(running_server(site, workers=2))
    others = {"Redis": [redis.process.pid], "PostgreSQL": _postmaster(database)}
    others.update(_workers(server))
    return Installation(
        server,
        site.manage,
        site.var_dir,
        others,
        "uvicorn, 2 workers, PostgreSQL, Redis; no nginx (not installed): plain HTTP",
    )


def _profiles() -> list[str]:
    chosen = [p.strip() for p in os.environ.get("OPENCLASS_BENCH_PROFILE", "embedded").split(",")]
    unknown = [name for name in chosen if name not in PROFILES]
    if unknown:
        raise SystemExit(f"OPENCLASS_BENCH_PROFILE: {unknown} unknown; {', '.join(PROFILES)}")
    return chosen


def run(profile: str, window: float, cprofile: str) -> None:
    """One storm on ``profile``; then, with ``cprofile`` ("slowest" or a step's name), the
    profile of that step in-process."""
    started = time.monotonic()
    secret = secrets.token_urlsafe(32)
    with contextlib.ExitStack() as stack:
        installation = (_scaled if profile == "scaled" else _embedded)(stack)
        output = installation.folder / "bench-oidc-storm.json"
        installation.manage(
            "shell",
            "-c",
            "from bench.oidc_storm import prepare; "
            f"prepare({str(output)!r}, {STUDENTS}, {secret!r})",
        )
        setup = json.loads(output.read_text())
        print(
            f"\n--- {profile} ---\n  server: {installation.description}; {os.cpu_count()} CPUs "
            f"shared with this load generator; load average {os.getloadavg()[0]:.2f}; set-up "
            f"took {time.monotonic() - started:.0f} s",
            flush=True,
        )
        server = installation.server
        meter = Meter(server, installation.others)
        result = asyncio.run(_storm(server, setup, secret, window, meter))
        p95s = _report(result)
        api_paths = result.get("api_paths", [])
        server.print_troubles()
        measured = {step: p95 for step, p95 in p95s.items() if not math.isnan(p95)}
        if cprofile and measured:
            slowest = max(measured, key=lambda step: measured[step])
            slowest = slowest if cprofile == "slowest" else cprofile
            print(
                installation.manage(
                    "shell",
                    "-c",
                    "from bench.oidc_storm import profile_step; "
                    f"profile_step({slowest!r}, 100, {secret!r}, {api_paths!r})",
                ).rstrip()
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.oidc_storm")
    parser.add_argument(
        "--window",
        type=float,
        default=float(os.environ.get("OPENCLASS_BENCH_WINDOW", WINDOW)),
        help=f"seconds of arrivals, at the same rate ({STUDENTS:,} in {WINDOW:.0f} s)",
    )
    chosen = os.environ.get("OPENCLASS_BENCH_CPROFILE", "")
    parser.add_argument(
        "--cprofile",
        nargs="?",
        const="slowest",
        default="slowest" if chosen == "1" else chosen,
        choices=["slowest", *STEPS, "API call"],
        help="afterwards, profile the slowest step (or the one named) in-process",
    )
    options = parser.parse_args(argv or [])
    window = min(max(options.window, 1.0), WINDOW)
    profiles = _profiles()
    print(
        f"oidc_storm: {round(STUDENTS * window / WINDOW):,} students log in to a trusted site "
        f"through openclass (authorization code + PKCE, token, userinfo) over {window:.0f} s, "
        f"then make {API_CALLS} API calls each; profile {', '.join(profiles)}"
    )
    for profile in profiles:
        run(profile, window, options.cprofile)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
