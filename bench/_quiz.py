"""Quiz pieces the benchmarks share (bench/quiz_submit, bench/storm): a student's browser, the
answers it sends, starting an attempt, submitting it, and the check of what was stored."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from bench import Server
from bench._http import Figures, RawHTTP, csrf_token, timed

CORRECT_SHARE = 0.7  # each answer is right with this chance, wrong otherwise


@dataclass
class Student:
    pk: int
    session: str
    token: str = field(default_factory=csrf_token)
    attempt: int = 0
    form: dict[str, list[str]] = field(default_factory=dict)
    right: int = 0
    submitted: bool = False

    def client(self, server: Server) -> RawHTTP:
        return RawHTTP(
            server, {server.session_cookie: self.session, server.csrf_cookie: self.token}
        )


def answer(student: Student, key: list[dict], rng: random.Random) -> None:
    """The student's answers: each right with CORRECT_SHARE chance (their expected score)."""
    student.form = {"csrfmiddlewaretoken": [student.token]}
    for entry in key:
        is_right = rng.random() < CORRECT_SHARE
        student.right += is_right
        student.form[f"q-{entry['question']}"] = entry["right" if is_right else "wrong"]


async def start(server: Server, student: Student, lesson: int, starts: Figures, pages: Figures):
    """The student starts the attempt (POST → redirect to it) and loads its page."""
    client = student.client(server)
    try:
        took, status = await timed(
            client,
            "POST",
            f"/assessments/quizzes/{lesson}/start/",
            {"csrfmiddlewaretoken": student.token},
        )
        if status != 302 or "/quizzes/attempts/" not in client.location:
            starts.errors[f"HTTP {status}"] += 1
            return
        starts.latencies.append(took)
        student.attempt = int(client.location.rstrip("/").rsplit("/", 1)[1])
        took, status = await timed(
            client, "GET", f"/assessments/quizzes/attempts/{student.attempt}/"
        )
        if status == 200:
            pages.latencies.append(took)
        else:
            pages.errors[f"HTTP {status}"] += 1
    finally:
        await client.close()


async def submit(server: Server, student: Student, figures: Figures) -> None:
    """The submission with every answer, on a connection of its own; a success is the redirect
    to the result."""
    client = student.client(server)
    try:
        took, status = await timed(
            client,
            "POST",
            f"/assessments/quizzes/attempts/{student.attempt}/submit/",
            student.form,
        )
    finally:
        await client.close()
    if status == 302 and client.location.rstrip("/").endswith("/result"):
        figures.latencies.append(took)
        student.submitted = True
    else:
        figures.errors[f"HTTP {status}"] += 1


def check(
    students: list[Student], attempts: dict[int, tuple], answers: Counter, questions: int
) -> Counter:
    """Compare what is stored with what was sent: one graded attempt per student, every answer
    stored, and a score equal to the number of answers the key says are right. ``attempts``
    maps a student to (attempt, state, score), ``answers`` an attempt to its stored answers."""
    outcome: Counter = Counter()
    for student in students:
        pk, state, score = attempts.get(student.pk, (None, None, None))
        if pk is None:
            outcome["no attempt"] += 1
        elif state != "graded":
            outcome[f"state {state}"] += 1
        elif answers[pk] != questions:
            outcome["answers missing"] += 1
        elif float(score) != student.right:
            outcome["score differs from the key"] += 1
        else:
            outcome["graded and stored as sent"] += 1
    return outcome
