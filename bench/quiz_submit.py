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
import secrets
import sqlite3
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import Server, Site, demo_site, ms, percentile, running_server
from bench._http import Figures, RawHTTP, bare_django, print_line, timed
from bench._setup import add_students, session_key

STUDENTS = 500
QUESTIONS = 20
START_WINDOW = 20.0
SUBMIT_WINDOW = 60.0
TARGET_P95 = 0.200
CORRECT_SHARE = 0.7  # each answer is right with this chance, wrong otherwise


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, students: int, questions: int) -> None:
    """A school of ``students`` students enrolled in a course whose one lesson is a 40-minute
    quiz of ``questions`` one-point questions; writes the sessions, the lesson and the answer
    key (a right and a wrong form value per question) to ``output`` (JSON)."""
    from openclass.accounts.models import User
    from openclass.assessments.models import Choice, Question, Quiz, QuizQuestion
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Enrolment, Lesson, Section

    school = add_students(students, code="quiz")
    owner = User.objects.filter(role=User.Role.OFFICE_ADMIN).first()
    course = Course.objects.create(
        title="벤치 평가 강좌",
        topic=Topic.objects.order_by("position").first(),
        scope=Course.Scope.SCHOOL,
        organisation=school,
        owner=owner,
        is_published=True,
    )
    section = Section.objects.create(course=course, title="1단원", position=1)
    lesson = Lesson.objects.create(
        section=section, title="단원 평가", kind=Lesson.Kind.QUIZ, position=1
    )
    quiz = Quiz.objects.create(
        lesson=lesson, time_limit_minutes=40, attempts_allowed=1, shuffle_choices=True
    )
    Kind = Question.Kind
    kinds = [Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.SHORT, Kind.NUMERIC]
    key = []
    for number in range(1, questions + 1):
        kind = kinds[(number - 1) % len(kinds)]
        question = Question.objects.create(
            owner=owner, kind=kind, text=f"{number}번 문제", category="벤치"
        )
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            right_count = 1 if kind == Kind.SINGLE else 2
            choices = [
                Choice.objects.create(
                    question=question, text=f"보기 {i}", is_correct=i <= right_count, position=i
                )
                for i in range(1, 5)
            ]
            right = [str(c.pk) for c in choices if c.is_correct]
            wrong = [str(choices[-1].pk)]
        elif kind == Kind.TRUE_FALSE:
            question.answer_true = number % 2 == 0
            right = ["true" if question.answer_true else "false"]
            wrong = ["false" if question.answer_true else "true"]
        elif kind == Kind.SHORT:
            question.accepted_answers = ["독도", "獨島"]
            right, wrong = ["독 도"], ["울릉도"]
        else:
            question.numeric_answer, question.tolerance = 42.0, 0.5
            right, wrong = ["42.3"], ["50"]
        question.save()
        QuizQuestion.objects.create(quiz=quiz, question=question, position=number)
        key.append({"question": question.pk, "right": right, "wrong": wrong})
    chosen = list(User.objects.filter(username__startswith="quiz-").order_by("username"))
    Enrolment.objects.bulk_create([Enrolment(course=course, student=s) for s in chosen])
    Path(output).write_text(
        json.dumps(
            {
                "course": course.pk,
                "lesson": lesson.pk,
                "quiz": quiz.pk,
                "students": [[s.pk, session_key(s)] for s in chosen],
                "key": key,
            }
        )
    )


# --- The load ---------------------------------------------------------------------------------


@dataclass
class Student:
    pk: int
    session: str
    token: str = field(
        default_factory=lambda: "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(32)
        )
    )
    attempt: int = 0
    form: dict[str, list[str]] = field(default_factory=dict)
    right: int = 0
    submitted: bool = False

    def client(self, server: Server) -> RawHTTP:
        # Django accepts a 32-character secret as both the cookie and the form's token.
        return RawHTTP(server, {"sessionid": self.session, "csrftoken": self.token})


def _answers(student: Student, key: list[dict], rng: random.Random) -> None:
    """The student's answers: each right with CORRECT_SHARE chance (their expected score)."""
    student.form = {"csrfmiddlewaretoken": [student.token]}
    for entry in key:
        is_right = rng.random() < CORRECT_SHARE
        student.right += is_right
        student.form[f"q-{entry['question']}"] = entry["right" if is_right else "wrong"]


async def _start_phase(server: Server, setup: dict, students: list[Student]) -> tuple:
    """Each student starts the attempt (POST → redirect) and loads its page."""
    starts, pages = Figures(), Figures()
    lesson = setup["lesson"]
    begin = time.perf_counter()

    async def one(index: int, student: Student) -> None:
        await asyncio.sleep(
            max(0.0, begin + index * START_WINDOW / len(students) - time.perf_counter())
        )
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
    outcome: Counter = Counter()
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
    for student in students:
        pk, state, score = attempts.get(student.pk, (None, None, None))
        if pk is None:
            outcome["no attempt"] += 1
        elif state != "graded":
            outcome[f"state {state}"] += 1
        elif answers[pk] != len(key):
            outcome["answers missing"] += 1
        elif float(score) != student.right:
            outcome["score differs from the key"] += 1
        else:
            outcome["graded and stored as sent"] += 1
    return outcome


async def _run(server: Server, site: Site, setup: dict) -> None:
    rng = random.Random(11)
    students = [Student(pk, key) for pk, key in setup["students"]]
    for student in students:
        _answers(student, setup["key"], rng)
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
