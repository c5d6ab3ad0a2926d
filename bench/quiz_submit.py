"""Quiz submissions: 500 students submitting a 20-question quiz within one minute.

The installation is the small demo city plus a school of 500 students enrolled in a course with
a timed 20-question quiz (every objective kind: one answer, several answers, true/false, short
answer, numeric). First each student starts an attempt and loads its page (spread over 20 s);
then the 500 submissions arrive at random moments of one minute, each a POST carrying all 20
answers, as the page sends them when the student presses "submit". Printed: the bare-Django
figure from the same server, start and page figures, submissions/s and their p50/p95/p99, and a
database check that every submission was graded and stored exactly as sent with the score the
answer key gives ("nothing lost").
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bench import Server, Site, demo_site, ms, percentile, running_server
from bench._http import Figures, bare_django, print_line
from bench._quiz import Student, answer, check, start, submit
from bench._setup import add_students, quiz_course, session_key

STUDENTS = 500
QUESTIONS = 20
START_WINDOW = 20.0
SUBMIT_WINDOW = 60.0
TARGET_P95 = 0.200


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, students: int, questions: int) -> None:
    """A school of ``students`` students enrolled in a course whose one lesson is a 40-minute
    quiz of ``questions`` one-point questions; writes the sessions, the lesson and the answer
    key (a right and a wrong form value per question) to ``output`` (JSON)."""
    from openclass.accounts.models import User

    school = add_students(students, code="quiz")
    chosen = list(User.objects.filter(username__startswith="quiz-").order_by("username"))
    quiz = quiz_course(school, chosen, questions)
    quiz["students"] = [[s.pk, session_key(s)] for s in chosen]
    Path(output).write_text(json.dumps(quiz))


# --- The load ---------------------------------------------------------------------------------


async def _start_phase(server: Server, setup: dict, students: list[Student]) -> tuple:
    """Each student starts the attempt (POST → redirect) and loads its page."""
    starts, pages = Figures(), Figures()
    lesson = setup["lesson"]
    begin = time.perf_counter()

    async def one(index: int, student: Student) -> None:
        await asyncio.sleep(
            max(0.0, begin + index * START_WINDOW / len(students) - time.perf_counter())
        )
        await start(server, student, lesson, starts, pages)

    cpu = server.cpu_seconds()
    await asyncio.gather(*(one(i, s) for i, s in enumerate(students)))
    for figures in (starts, pages):
        figures.elapsed = time.perf_counter() - begin
        figures.server_cpu = server.cpu_seconds() - cpu
        figures.client_cpu = 0.0
        figures.rate = len(figures.latencies) / figures.elapsed
    return starts, pages


async def _submit_phase(server: Server, students: list[Student], rng: random.Random) -> Figures:
    """The submissions, each at a random moment of SUBMIT_WINDOW, on its own connection."""
    figures = Figures()
    moments = sorted(rng.uniform(0, SUBMIT_WINDOW) for _ in students)
    begin = time.perf_counter()

    async def one(moment: float, student: Student) -> None:
        await asyncio.sleep(max(0.0, begin + moment - time.perf_counter()))
        await submit(server, student, figures)

    cpu, client_cpu = server.cpu_seconds(), time.process_time()
    ready = [s for s in students if s.attempt]
    rng.shuffle(ready)
    await asyncio.gather(*(one(m, s) for m, s in zip(moments, ready, strict=False)))
    figures.elapsed = time.perf_counter() - begin
    figures.server_cpu = server.cpu_seconds() - cpu
    figures.client_cpu = time.process_time() - client_cpu
    figures.rate = len(figures.latencies) / figures.elapsed
    return figures


def _verify(database: Path, quiz: int, students: list[Student], key: list[dict]) -> Counter:
    """Compare the database with what was sent: one graded attempt per student, every answer
    stored, and a score equal to the number of answers the key says are right."""
    with sqlite3.connect(database) as db:
        attempts = {
            student: (pk, state, score)
            for pk, student, state, score in db.execute(
                "SELECT id, student_id, state, score FROM assessments_attempt WHERE quiz_id = ?",
                (quiz,),
            )
        }
        answers = Counter(
            attempt
            for (attempt,) in db.execute(
                "SELECT attempt_id FROM assessments_answer WHERE attempt_id IN "
                "(SELECT id FROM assessments_attempt WHERE quiz_id = ?)",
                (quiz,),
            )
        )
    return check(students, attempts, answers, len(key))


async def _run(server: Server, site: Site, setup: dict) -> None:
    rng = random.Random(11)
    students = [Student(pk, key) for pk, key in setup["students"]]
    for student in students:
        answer(student, setup["key"], rng)
    calibration = await bare_django(server, seconds=5.0)
    print("\n  calibration (same server, same run):")
    print_line("bare Django /healthz", calibration, "req")
    print(
        f"\n  {len(students)} students start the quiz over {START_WINDOW:.0f} s, then submit "
        f"{QUESTIONS} answers each at random moments of {SUBMIT_WINDOW:.0f} s",
        flush=True,
    )
    starts, pages = await _start_phase(server, setup, students)
    print_line("start (POST)", starts, "req")
    print_line("attempt page (GET)", pages, "req")
    submits = await _submit_phase(server, students, rng)
    print_line("submit (POST, 20 answers)", submits, "req")
    outcome = _verify(site.database, setup["quiz"], students, setup["key"])
    good = outcome["graded and stored as sent"]
    print(
        f"    database check         {good} of {len(students)} submissions graded and stored "
        f"as sent"
        + (
            f"; {dict(outcome - Counter({'graded and stored as sent': good}))}"
            if good != len(students)
            else ""
        )
    )
    p95 = percentile(submits.latencies, 95)
    passed = good == len(students) and not submits.errors and p95 < TARGET_P95
    print(
        f"    target                 p95 < {TARGET_P95 * 1000:.0f} ms, every submission graded "
        f"and stored: {'PASS' if passed else 'MISS'} (p95 {ms(p95)})"
    )


def main() -> None:
    print(f"quiz_submit: {STUDENTS} students submitting a {QUESTIONS}-question quiz in one minute")
    started = time.monotonic()
    with demo_site("small") as site:
        output = site.var_dir / "bench-quiz.json"
        site.manage(
            "shell",
            "-c",
            "from bench.quiz_submit import prepare; "
            f"prepare({str(output)!r}, {STUDENTS}, {QUESTIONS})",
        )
        setup = json.loads(output.read_text())
        with running_server(site) as server:
            print(
                f"  server: uvicorn, 1 worker, SQLite in WAL mode, {os.cpu_count()} CPUs shared "
                f"with this load generator; set-up took {time.monotonic() - started:.0f} s",
                flush=True,
            )
            asyncio.run(_run(server, site, setup))
