"""Learning records under load (issue 19's benchmark): 1,000 watchers' progress recorded as xAPI
statements while the LRS answers 50 teachers' dashboard queries a second over 5 million stored
statements, and every new statement forwarded to an outside LRS.

The stack is the scaled one without nginx: a throw-away PostgreSQL (``scripts/with_postgres.sh``),
Redis (channel layer, cache, Huey's queue), two uvicorn workers and the Huey consumer (``run_huey
--workers 2``, as ``make run`` starts it), on the small demo city. Set-up, inside the
installation's Django (``manage.py shell``):

- ten schools of 1,500 students (30 to a class), a homeroom teacher for each class, four courses
  per class owned by it (twelve lessons each: videos and quizzes), every student enrolled;
- the store filled with ``OPENCLASS_BENCH_STATEMENTS`` statements (5,000,000 by default) about
  them over the last 120 days, written by SQL (``generate_series``) in the shape
  ``services.record`` writes: account actor, ADL verbs, lessons, quizzes and questions with their
  course as parent, the course, class and school as groupings, the registration per enrolment,
  results (played segments, scores), the scoping columns, and the related activities and agents
  rows; secondary indexes are dropped for the load and built after it, then VACUUM ANALYZE;
  the demo city's few statements, numbered before the history, are restamped as its oldest
  (numbers follow ``stored`` in a store filled over time, and ``since`` relies on it);
- 1,000 students of the first school enrolled in a course with a one-hour video lesson (as the
  heartbeats benchmark), signed-in sessions for them; an OAuth2 access token (as the token
  endpoint makes it) for each of 50 teachers;
- one ``Destination`` (near real time) pointing at a receiving LRS: the receiver this load
  generator runs (it answers as an LRS, ``POST /statements``, and counts every statement id it
  gets).

The run: the watchers connect to the progress WebSocket and send one beat a second each for the
window (``OPENCLASS_BENCH_WINDOW``, 150 s); statements come from the real recording path when the
courses' progress services call ``openclass.xapi.services.record`` (probed at set-up: a
progress write of 90 s of watching must record a statement); otherwise a process of the
benchmark calls ``record(student, "progressed", lesson, ...)`` itself at the rule's rate, one
statement per watcher per minute of its watching (the watchers' own clocks), so the write load is
the one 1,000 watchers give. Meanwhile the 50 teachers query ``GET /xapi/statements`` with their
Bearer tokens, 50 a second in all (open loop): the recent statements of one of their courses
(``activity`` + ``related_activities`` + ``since``), its completions (``verb``), one student's
statements (``agent``), and the watched course's progress since the run began. Each answer is
checked against the teacher's scope.

Printed, each with its target and the ratio to it: the statement write rate, the query p95 (from
each query's due time), the outbox lag p95 (a statement's ``stored`` to its delivery's
``sent_at``), and "nothing lost": statements recorded == stored == deliveries sent == received,
and every watcher's statements carry each whole minute its stored progress holds (a write of
progress that crossed two minutes, as a flush delayed by a loaded server can, records one
statement for both).
``OPENCLASS_BENCH_STATEMENTS=50000`` (or ``python -m bench.xapi --statements 50000 --watchers
100 --window 70``) is a quick run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import (
    HOST,
    PYTHON,
    ROOT,
    Meter,
    Server,
    Usage,
    demo_site,
    ms,
    percentile,
    running_server,
    steady_load_generator,
)
from bench._http import RawHTTP
from bench._progress import Watcher, watch

STATEMENTS = 5_000_000
WATCHERS = 1000
WINDOW = 150.0  # seconds of watching: two minutes of watching each, so two statements
CONNECT_RATE = 100.0
QUERY_RATE = 50.0
TEACHERS = 50
SCHOOLS, STUDENTS_PER_SCHOOL = 10, 1500
COURSES_PER_CLASS, LESSONS_PER_COURSE = 4, 12
HISTORY_DAYS = 120
LESSON_SECONDS = 3600.0
CHUNK = 250_000  # statements a load statement writes
LOADERS = 2  # connections writing at once
TARGET_QUERY_P95, TARGET_LAG_P95 = 0.100, 5.0
SLICE = 15.0  # the query p95 is also shown for each of these seconds of the run
QUERY_TIMEOUT = 20.0  # a query not answered this long after its due time failed
SHED_AT = 200  # an arrival finding this many unanswered is not sent (counted)
VERSION_HEADER = "1.0.3"

TABLES = ("xapi_statement", "xapi_statementactivity", "xapi_statementagent")


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def _city(schools: int, per_school: int) -> list:
    """``schools`` schools of ``per_school`` students, a homeroom teacher per class, and
    COURSES_PER_CLASS courses per class owned by it, LESSONS_PER_COURSE lessons each, the class
    enrolled. Returns the classes with students (Organisation), with ``bench_teacher`` and
    ``bench_courses`` set."""
    from bench._setup import add_students
    from openclass.accounts.models import Organisation, TeachingAssignment, User
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Enrolment, Lesson, Section

    topic = Topic.objects.order_by("position").first()
    password = User.objects.filter(role=User.Role.STUDENT).values_list("password", flat=True)[0]
    classes = []
    for number in range(schools):
        school = add_students(per_school, code=f"xapi{number}")
        school.name = f"벤치{number + 1}초등학교"
        school.save(update_fields=["name"])
        classes.extend(
            Organisation.objects.filter(kind=Organisation.Kind.CLASS, parent__parent=school)
            .select_related("parent")
            .order_by("parent__number", "number")
        )
    students: dict[int, list] = {}
    for student in User.objects.filter(organisation__in=classes, role=User.Role.STUDENT):
        students.setdefault(student.organisation_id, []).append(student)
    classes = [klass for klass in classes if klass.pk in students]  # the last ones stay empty
    teachers = User.objects.bulk_create(
        User(
            username=f"xapi-t{index:04d}",
            name=f"벤치교사{index:04d}",
            role=User.Role.TEACHER,
            organisation=klass.parent.parent,
            password=password,
        )
        for index, klass in enumerate(classes)
    )
    TeachingAssignment.objects.bulk_create(
        TeachingAssignment(teacher=t, klass=k, is_homeroom=True)
        for t, k in zip(teachers, classes, strict=True)
    )
    subjects = ("국어", "수학", "과학", "사회")
    courses = Course.objects.bulk_create(
        Course(
            title=f"{klass.parent.name} {klass.name} {subjects[n % len(subjects)]}",
            topic=topic,
            scope=Course.Scope.SCHOOL,
            organisation=klass.parent.parent,
            owner=teacher,
            is_published=True,
        )
        for klass, teacher in zip(classes, teachers, strict=True)
        for n in range(COURSES_PER_CLASS)
    )
    sections = Section.objects.bulk_create(
        Section(course=course, title="1단원", position=1) for course in courses
    )
    Lesson.objects.bulk_create(
        Lesson(
            section=section,
            title=f"{position + 1}차시",
            kind=Lesson.Kind.QUIZ if position % 3 == 2 else Lesson.Kind.VIDEO_URL,
            url="" if position % 3 == 2 else "https://media.example.org/lesson.mp4",
            duration=None if position % 3 == 2 else 900.0,
            position=position + 1,
        )
        for section in sections
        for position in range(LESSONS_PER_COURSE)
    )
    enrolments = []
    for index, klass in enumerate(classes):
        klass.bench_teacher = teachers[index]
        klass.bench_courses = courses[index * COURSES_PER_CLASS : (index + 1) * COURSES_PER_CLASS]
        for course in klass.bench_courses:
            enrolments.extend(Enrolment(course=course, student=s) for s in students[klass.pk])
    Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    return classes


def _helper_tables(classes: list) -> int:
    """The tables the statements are generated from, their JSON parts made by
    ``services.Activity`` and ``vocabulary.VERBS`` as ``record`` makes them: every enrolment with
    its actor, class, school, course, registration and context groupings
    (``bench_xapi_enrolment``), every lesson of those courses with its activity
    (``bench_xapi_lesson``) and the verbs. Returns the number of enrolments."""
    from django.db import connection

    from openclass.accounts.models import User
    from openclass.courses.models import Enrolment, Lesson
    from openclass.xapi.models import Actor
    from openclass.xapi.services import Activity, home_page, registration_for
    from openclass.xapi.vocabulary import VERBS

    home = home_page()
    klass_of = {klass.pk: klass for klass in classes}
    students = User.objects.filter(organisation__in=list(klass_of), role=User.Role.STUDENT)
    Actor.objects.bulk_create(
        [Actor(user=s) for s in students.exclude(xapi_actor__isnull=False)], batch_size=5000
    )
    keys = dict(Actor.objects.filter(user__in=students).values_list("user_id", "key"))
    rows = []
    enrolments = Enrolment.objects.filter(student__in=students).select_related("course", "student")
    for number, enrolment in enumerate(enrolments.order_by("pk").iterator(5000), start=1):
        klass = klass_of[enrolment.student.organisation_id]
        school = klass.parent.parent
        course = Activity("course", enrolment.course_id, enrolment.course.title).as_json()
        key = str(keys[enrolment.student_id])
        rows.append(
            (
                number,
                enrolment.student_id,
                f"account:{home}|{key}",
                json.dumps({"objectType": "Agent", "account": {"homePage": home, "name": key}}),
                klass.pk,
                school.pk,
                enrolment.course_id,
                str(registration_for(enrolment.pk)),
                json.dumps(
                    [
                        course,
                        Activity("class", klass.pk, klass.short_name).as_json(),
                        Activity("school", school.pk, school.name).as_json(),
                    ]
                ),
                json.dumps([course]),
            )
        )
    lessons = Lesson.objects.filter(
        section__course__in=[c for klass in classes for c in klass.bench_courses]
    ).values_list("section__course_id", "position", "pk", "kind", "title")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_xapi_enrolment (n integer PRIMARY KEY, user_id bigint, "
            "actor text, actor_json jsonb, klass_id bigint, school_id bigint, course_id bigint, "
            "registration uuid, grouping jsonb, course_parent jsonb)"
        )
        cursor.executemany(
            "INSERT INTO bench_xapi_enrolment VALUES "
            "(%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s::jsonb, %s::jsonb)",
            rows,
        )
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_xapi_lesson (course_id bigint, position integer, "
            "lesson_id bigint, quiz boolean, object jsonb, iri text, "
            "PRIMARY KEY (course_id, position))"
        )
        activities = [
            (
                course,
                position - 1,
                pk,
                kind == Lesson.Kind.QUIZ,
                Activity("quiz" if kind == Lesson.Kind.QUIZ else "lesson", pk, title).as_json(),
            )
            for course, position, pk, kind, title in lessons
        ]
        cursor.executemany(
            "INSERT INTO bench_xapi_lesson VALUES (%s, %s, %s, %s, %s::jsonb, %s)",
            [(*row[:4], json.dumps(row[4]), row[4]["id"]) for row in activities],
        )
        cursor.execute("CREATE UNLOGGED TABLE bench_xapi_verb (name text PRIMARY KEY, verb jsonb)")
        cursor.executemany(
            "INSERT INTO bench_xapi_verb VALUES (%s, %s::jsonb)",
            [(name, json.dumps(verb.as_json())) for name, verb in VERBS.items()],
        )
        cursor.execute("ANALYZE bench_xapi_enrolment, bench_xapi_lesson, bench_xapi_verb")
    return len(rows)


#: One chunk of generated statements. A statement ``g`` belongs to an enrolment picked by a
#: multiplicative hash of ``g`` and to one of its course's twelve lessons; videos (two lessons
#: in three) are launched, progressed (played segments, progress) and completed, quizzes
#: attempted, answered (a question, the quiz its parent), scored, passed or failed. ``stored``
#: grows with ``g`` over the last HISTORY_DAYS days, the timestamp a few seconds before it.
STATEMENTS_SQL = """
INSERT INTO xapi_statement (number, statement_id, stored, "timestamp", verb, actor,
    object_activity, object_agent, object_statement, registration, voided, "full", client_id,
    user_id, course_id, klass_id, school_id)
SELECT x.number, x.id, x.stored, x.stored - (x.g %% 30) * interval '1 second',
    vb.verb ->> 'id', e.actor, o.object ->> 'id', '', NULL, e.registration, false,
    jsonb_build_object(
        'id', x.id,
        'actor', e.actor_json,
        'verb', vb.verb,
        'object', o.object,
        'context', jsonb_build_object('platform', 'openclass', 'language', 'ko-KR',
            'contextActivities', jsonb_build_object('grouping', e.grouping, 'parent', o.parent),
            'registration', e.registration),
        'timestamp', to_json(x.stored - (x.g %% 30) * interval '1 second') #>> '{}',
        'stored', to_json(x.stored) #>> '{}',
        'authority', %(authority)s::jsonb,
        'version', '1.0.0'
    ) || CASE v.name
        WHEN 'progressed' THEN jsonb_build_object('result', jsonb_build_object('extensions',
            jsonb_build_object(%(segments)s, '0[.]' || (60 * (1 + x.r %% 15)),
                %(progress)s, round((1 + x.r %% 15) / 15.0, 2))))
        WHEN 'completed' THEN jsonb_build_object('result',
            jsonb_build_object('completion', true, 'duration', 'PT15M'))
        WHEN 'answered' THEN jsonb_build_object('result',
            jsonb_build_object('success', x.r %% 4 <> 0, 'response', (x.r %% 5)::text))
        WHEN 'launched' THEN '{}'::jsonb
        WHEN 'attempted' THEN '{}'::jsonb
        ELSE jsonb_build_object('result', jsonb_build_object('score', jsonb_build_object(
            'raw', 8 + x.r %% 13, 'min', 0, 'max', 20, 'scaled', round((8 + x.r %% 13) / 20.0, 2)),
            'success', v.name <> 'failed'))
    END,
    NULL, e.user_id, e.course_id, e.klass_id, e.school_id
FROM (
    SELECT g, %(base)s + g AS number, gen_random_uuid() AS id,
        1 + (g * 2654435761) %% %(enrolments)s AS e,
        (g * 40503) %% %(lessons)s AS position,
        (g * 48271) %% 100 AS r,
        %(start)s::timestamptz + (g - 1) * %(step)s * interval '1 second' AS stored
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
) AS x
JOIN bench_xapi_enrolment AS e ON e.n = x.e
JOIN bench_xapi_lesson AS l ON l.course_id = e.course_id AND l.position = x.position
CROSS JOIN LATERAL (SELECT CASE
    WHEN NOT l.quiz AND x.r < 15 THEN 'launched'
    WHEN NOT l.quiz AND x.r < 85 THEN 'progressed'
    WHEN NOT l.quiz THEN 'completed'
    WHEN x.r < 15 THEN 'attempted'
    WHEN x.r < 70 THEN 'answered'
    WHEN x.r < 80 THEN 'scored'
    WHEN x.r < 92 THEN 'passed'
    ELSE 'failed' END AS name) AS v
JOIN bench_xapi_verb AS vb ON vb.name = v.name
CROSS JOIN LATERAL (SELECT
    CASE WHEN v.name = 'answered' THEN jsonb_build_object('objectType', 'Activity',
            'id', %(home)s || '/xapi/activities/question/' || (l.lesson_id * 100 + x.r %% 20),
            'definition', jsonb_build_object('type', %(question_type)s,
                'name', jsonb_build_object('ko-KR', (x.r %% 20 + 1) || '번 문제')))
        ELSE l.object END AS object,
    CASE WHEN v.name = 'answered' THEN jsonb_build_array(l.object)
        ELSE e.course_parent END AS parent
) AS o
"""

#: What ``related_activities`` matches of a chunk: the object, the parent when it is not the
#: course, the course, class and school (the groupings), as ``statements.store`` writes them.
ACTIVITIES_SQL = """
INSERT INTO xapi_statementactivity (statement_id, activity)
SELECT s.number, a.activity
FROM xapi_statement AS s
CROSS JOIN LATERAL unnest(ARRAY[
    s.object_activity,
    %(home)s || '/xapi/activities/course/' || s.course_id,
    %(home)s || '/xapi/activities/class/' || s.klass_id,
    %(home)s || '/xapi/activities/school/' || s.school_id,
    CASE WHEN s.verb = %(answered)s
        THEN s."full" -> 'context' -> 'contextActivities' -> 'parent' -> 0 ->> 'id' END
]) AS a(activity)
WHERE s.number > %(base)s + %(first)s - 1 AND s.number <= %(base)s + %(last)s
    AND a.activity IS NOT NULL
"""

AGENTS_SQL = """
INSERT INTO xapi_statementagent (statement_id, agent)
SELECT s.number, a.agent
FROM xapi_statement AS s
CROSS JOIN LATERAL unnest(ARRAY[s.actor, 'account:' || %(home)s || '|openclass']) AS a(agent)
WHERE s.number > %(base)s + %(first)s - 1 AND s.number <= %(base)s + %(last)s
"""


def _in_threads(jobs: list[Any], work: Any) -> None:
    """``work(job)`` for every job, LOADERS at a time, each thread on its own connection."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run(job: Any) -> None:
        try:
            work(job)
        finally:
            connection.close()

    with ThreadPoolExecutor(LOADERS) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()


def preload(count: int, enrolments: int) -> dict[str, float]:
    """Fill the store with ``count`` generated statements (see STATEMENTS_SQL), their related
    activities and agents, in chunks of CHUNK written by LOADERS connections at once (the
    machine's cores). Secondary indexes and unique constraints of the three tables are dropped
    first and built after, as a bulk load does; foreign keys are not checked during the load
    (``session_replication_role = replica``: every id is taken from existing rows). Returns the
    wall-clock seconds of each stage."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from openclass.xapi.services import authority, home_page
    from openclass.xapi.vocabulary import (
        ACTIVITY_TYPES,
        EXTENSION_PROGRESS,
        EXTENSION_WATCHED,
        VERBS,
    )

    took: dict[str, float] = {}
    now = timezone.now()
    start = now - datetime.timedelta(days=HISTORY_DAYS)
    step = (now - datetime.timedelta(minutes=30) - start).total_seconds() / max(count, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(number), 0) FROM xapi_statement")
        base = cursor.fetchone()[0]
        # The demo city's statements, numbered before the history: made its oldest, a second
        # apart, so numbers follow ``stored`` as in a store filled over time (the LRS's
        # ``since`` relies on it: views.statements._spans).
        cursor.execute(
            "UPDATE xapi_statement SET stored = %(start)s::timestamptz - (%(base)s - number + 1) "
            "* interval '1 second' WHERE number <= %(base)s",
            {"start": start, "base": base},
        )
        cursor.execute(
            'UPDATE xapi_statement SET "full" = jsonb_set("full", \'{stored}\', '
            "to_jsonb(to_json(stored) #>> '{}')) WHERE number <= %(base)s",
            {"base": base},
        )
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM "
            "pg_constraint WHERE contype = 'u' AND conrelid = ANY(%s::regclass[])",
            [list(TABLES)],
        )
        uniques = cursor.fetchall()
        for table, name, _definition in uniques:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    connection.close()
    params: dict[str, Any] = {
        "home": home_page(),
        "authority": json.dumps(authority()),
        "base": base,
        "enrolments": enrolments,
        "lessons": LESSONS_PER_COURSE,
        "start": start,
        "step": step,
        "segments": EXTENSION_WATCHED,
        "progress": EXTENSION_PROGRESS,
        "answered": VERBS["answered"].id,
        "question_type": ACTIVITY_TYPES["question"],
    }
    written = [0]
    lock = threading.Lock()
    begun = time.perf_counter()

    def write(first: int) -> None:
        last = min(first + CHUNK - 1, count)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.execute("SET work_mem = '256MB'")
            for sql in (STATEMENTS_SQL, ACTIVITIES_SQL, AGENTS_SQL):
                cursor.execute(sql, {**params, "first": first, "last": last})
        with lock:
            written[0] += last - first + 1
            done = time.perf_counter() - begun
            say(
                f"    {written[0]:>10,} statements written ({done:,.0f} s; "
                f"{written[0] / done:,.0f} statements/s)"
            )

    _in_threads(list(range(1, count + 1, CHUNK)), write)
    took["statements with related rows"] = time.perf_counter() - begun
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('xapi_statement', 'number'), "
            "(SELECT MAX(number) FROM xapi_statement))"
        )

    def build(definition: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(definition)

    started = time.perf_counter()
    _in_threads(
        [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {how}' for table, name, how in uniques]
        + [definition for _name, definition in indexes],
        build,
    )
    took["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    _in_threads([f"VACUUM (ANALYZE) {table}" for table in TABLES], build)
    took["vacuum analyze"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_xapi_enrolment, bench_xapi_lesson, bench_xapi_verb")
    return took


def _table_sizes() -> dict[str, tuple[int, int]]:
    """(rows as counted by the last VACUUM ANALYZE, bytes with indexes and TOAST) of the
    store's tables."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT reltuples::bigint, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relname = %s",
                [table],
            )
            sizes[table] = cursor.fetchone()
    return sizes


def probe() -> bool:
    """Whether the courses' progress writes record statements: 90 s of watching written
    through ``progress.save`` (rolled back afterwards) must store a statement."""
    from django.db import transaction
    from django.utils import timezone

    from openclass.courses.models import Lesson, LessonProgress
    from openclass.courses.services import progress
    from openclass.xapi.models import Statement

    row = (
        LessonProgress.objects.filter(lesson__kind=Lesson.Kind.VIDEO_URL, watched=0)
        .select_related("lesson")
        .first()
    )
    if row is None:
        return False
    recorded = False
    with transaction.atomic():
        before = Statement.objects.count()
        now = timezone.now()
        state = progress.State(
            intervals=[(0.0, 90.0)],
            watched=90.0,
            furthest=90.0,
            position=90.0,
            duration=row.lesson.duration,
            last_seq=90,
            last_beat_at=now,
            completed_at=None,
        )
        with contextlib.suppress(Exception):
            progress.save({row.pk: state}, now)
            recorded = Statement.objects.count() > before
        transaction.set_rollback(True)
    return recorded


def _watched_before(lesson: Any, students: list) -> dict[int, int]:
    """Each watcher has already watched part of a minute (student ``i`` of ``n``: ``i * 60 // n``
    seconds, its beats numbered on from there), as students who started at different moments
    have: their whole minutes, and so their statements, fall evenly over every minute of the run
    (n / 60 a second), not all in the same second. Returns the seconds by student."""
    from openclass.courses.models import LessonProgress

    offsets = {s.pk: index * 60 // len(students) for index, s in enumerate(students)}
    rows = list(LessonProgress.objects.filter(lesson=lesson, student__in=students))
    for row in rows:
        seconds = offsets[row.student_id]
        row.intervals = [[0.0, float(seconds)]] if seconds else []
        row.watched = row.furthest = row.position = float(seconds)
        row.last_seq = seconds
        row.duration = LESSON_SECONDS
    LessonProgress.objects.bulk_update(
        rows, ["intervals", "watched", "furthest", "position", "last_seq", "duration"]
    )
    return offsets


def _token(user: Any, site: Any) -> str:
    """An OAuth2 access token of ``site`` for ``user`` with every scope the provider knows, as
    the token endpoint makes it (stored hashed)."""
    import datetime
    import secrets

    from django.conf import settings
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=user,
        application=site,
        scope=" ".join(settings.OAUTH2_PROVIDER["SCOPES"]),
        expires=timezone.now() + datetime.timedelta(hours=6),
    )
    set_token_value(token, raw)
    token.save()
    return raw


def prepare(output: str, statements: int, watchers: int, teachers: int) -> None:
    """The whole set-up (see the module's docstring); what the load needs goes to ``output``."""
    from django.conf import settings

    from bench._setup import session_key, video_course
    from openclass.hub.models import Site
    from openclass.xapi.models import Statement
    from openclass.xapi.services import activity_id, home_page

    started = time.perf_counter()
    classes = _city(SCHOOLS, STUDENTS_PER_SCHOOL)
    enrolments = _helper_tables(classes)
    say(
        f"  city: {SCHOOLS} schools, {len(classes)} classes and their teachers, "
        f"{len(classes) * COURSES_PER_CLASS:,} courses of {LESSONS_PER_COURSE} lessons, "
        f"{enrolments:,} enrolments ({time.perf_counter() - started:.0f} s)"
    )
    say(f"  loading {statements:,} statements by SQL (generate_series), in chunks of {CHUNK:,}:")
    started = time.perf_counter()
    took = preload(statements, enrolments)
    load_seconds = time.perf_counter() - started
    say(
        f"  loaded in {load_seconds:,.0f} s ({statements / load_seconds:,.0f} statements/s): "
        + ", ".join(f"{phase} {seconds:,.0f} s" for phase, seconds in took.items())
    )
    sizes = _table_sizes()
    say(
        "  store: "
        + "; ".join(
            f"{table} {rows:,} rows, {size / 2**30:,.2f} GiB"
            for table, (rows, size) in sizes.items()
        )
    )

    # The watchers: students of the first school, in a course its first class's teacher owns.
    from openclass.accounts.models import User

    school = classes[0].parent.parent
    chosen = list(
        User.objects.filter(organisation__parent__parent=school, role=User.Role.STUDENT).order_by(
            "username"
        )[:watchers]
    )
    watch_owner = classes[0].bench_teacher
    lesson = video_course(school, chosen, LESSON_SECONDS, owner=watch_owner)
    real_path = probe()
    offsets = _watched_before(lesson, chosen)

    site = Site.objects.create(
        name="벤치 대시보드",
        redirect_uris="https://dashboard.example.org/callback",
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
        client_secret="bench-dashboard-secret-0123456789",
        allowed_scopes=" ".join(settings.OAUTH2_PROVIDER["SCOPES"]),
    )
    dashboards = []
    step = max(1, len(classes) // teachers)
    for klass in classes[::step][:teachers]:
        teacher = klass.bench_teacher
        students = list(
            User.objects.filter(organisation=klass, role=User.Role.STUDENT)
            .select_related("xapi_actor")
            .order_by("username")[:5]
        )
        courses = [course.pk for course in klass.bench_courses]
        if teacher == watch_owner:
            courses.append(lesson.section.course_id)
        dashboards.append(
            {
                "teacher": teacher.username,
                "token": _token(teacher, site),
                "courses": [activity_id("course", pk) for pk in courses],
                "scope": [activity_id("class", klass.pk)]
                + [activity_id("course", pk) for pk in courses],
                "agents": [
                    {"objectType": "Agent", "account": {"homePage": home_page(), "name": str(k)}}
                    for k in (s.xapi_actor.key for s in students)
                ],
            }
        )
    Path(output).write_text(
        json.dumps(
            {
                "statements": statements,
                "load_seconds": load_seconds,
                "load_phases": took,
                "sizes": sizes,
                "real_path": real_path,
                "number_before": Statement.objects.order_by("-number")
                .values_list("number", flat=True)
                .first()
                or 0,
                "course": lesson.section.course_id,
                "course_activity": activity_id("course", lesson.section.course_id),
                "lesson": lesson.pk,
                "watchers": [[s.pk, session_key(s)] for s in chosen],
                "offsets": {str(pk): offset for pk, offset in offsets.items()},
                "watch_owner": watch_owner.username,
                "dashboards": dashboards,
            }
        )
    )


def destination(endpoint: str, demo: bool) -> None:
    """The one outside LRS statements go to, near real time, every verb and school: the demo
    outside LRS the installation serves under /demo-lrs/ (``demo``, with its credentials), else
    the receiver this load generator runs. Any other destination (the demo data's, at the
    installation's usual address) is paused, so every statement has exactly one delivery."""
    from openclass.xapi.models import Destination

    Destination.objects.update(is_active=False)
    username, password = "bench", "bench-secret"
    if demo:
        from openclass.xapi import demo_lrs

        username, password = demo_lrs.credentials()
    Destination.objects.create(
        name="벤치 수신 LRS",
        endpoint=endpoint,
        username=username,
        password=password,
        mode=Destination.Mode.REALTIME,
    )


# --- The recording path when the courses do not record yet -----------------------------------


def emit(output: str, course: int, lesson: int, students: list[int], begin: float, end: float):
    """``record(student, "progressed", lesson, ...)`` at the rule's rate: each watcher ``i`` gets a
    statement after each full minute of its watching (its beats start at ``begin`` + i / n, as
    the load generator sends them; ``begin``/``end`` are wall-clock times), with the watched
    interval as the played-segments extension. Two threads write (a server's request threads);
    each call is timed and counted when it returned (committed)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections, connections

    from openclass.accounts.models import User
    from openclass.courses.models import Enrolment, Lesson
    from openclass.xapi.services import Activity, Where, record, registration_for
    from openclass.xapi.vocabulary import EXTENSION_PROGRESS, EXTENSION_WATCHED

    the_lesson = Lesson.objects.select_related("section__course").get(pk=lesson)
    course_activity = Activity("course", course, the_lesson.section.course.title)
    users = User.objects.select_related("organisation").in_bulk(students)
    enrolments = dict(
        Enrolment.objects.filter(course_id=course, student__in=students).values_list(
            "student_id", "pk"
        )
    )
    due = sorted(
        (begin + index / len(students) + 60.0 * minute, student, minute)
        for index, student in enumerate(students)
        for minute in range(1, int((end - begin) // 60) + 1)
        if begin + index / len(students) + 60.0 * minute <= end
    )
    took: list[float] = []
    late: list[float] = []
    errors: Counter = Counter()

    def one(when: float, student: int, minute: int) -> None:
        close_old_connections()
        started = time.time()
        try:
            record(
                users[student],
                "progressed",
                Activity("lesson", lesson, the_lesson.title),
                where=Where(
                    course=course_activity,
                    registration=registration_for(enrolments[student]),
                    parent=course_activity,
                ),
                result={
                    "extensions": {
                        EXTENSION_WATCHED: f"0[.]{60 * minute}",
                        EXTENSION_PROGRESS: round(60 * minute / LESSON_SECONDS, 3),
                    }
                },
            )
        except Exception as error:
            errors[type(error).__name__] += 1
            return
        finished = time.time()
        took.append(finished - started)
        late.append(finished - when)

    with ThreadPoolExecutor(2) as pool:
        for when, student, minute in due:
            time.sleep(max(0.0, when - time.time()))
            pool.submit(one, when, student, minute)
        pool.map(lambda _n: connections.close_all(), range(2))
    Path(output).write_text(
        json.dumps({"recorded": len(took), "took": took, "late": late, "errors": errors})
    )


# --- After the run: what the database holds --------------------------------------------------


def stored(output: str, number_before: int, lesson: int, wait: float, acked_path: str) -> None:
    """The new statements (numbers above ``number_before``) by verb and watcher, their outbox
    rows by state and the lag from ``stored`` to ``sent_at``, and how many watchers' progress
    rows hold every beat they had acknowledged (``acked_path``: student → last sequence number
    acknowledged). Waits up to ``wait`` seconds for those progress writes (the server writes a
    page's progress after it closes) and for the outbox to empty."""
    from django.db.models import Count

    from openclass.courses.models import LessonProgress
    from openclass.xapi.models import Delivery, Statement
    from openclass.xapi.vocabulary import EXTENSION_WATCHED

    acked = {int(k): v for k, v in json.loads(Path(acked_path).read_text()).items()}
    deadline = time.monotonic() + wait
    new = Statement.objects.filter(number__gt=number_before)
    while True:
        seqs = dict(
            LessonProgress.objects.filter(lesson_id=lesson, student__in=list(acked)).values_list(
                "student_id", "last_seq"
            )
        )
        progress_stored = sum(1 for pk, seq in acked.items() if seqs.get(pk, 0) >= seq)
        if progress_stored == len(acked) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    waited_for_progress = wait - (deadline - time.monotonic())
    while True:
        states = dict(
            Delivery.objects.filter(statement__number__gt=number_before)
            .values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        if not states.get(Delivery.State.PENDING) or time.monotonic() > deadline:
            break
        tried = Delivery.objects.filter(statement__number__gt=number_before, attempts__gt=0)
        if time.monotonic() > deadline - wait + 15 and not tried.exists():
            break  # nothing picks the outbox up
        time.sleep(1.0)
    lesson_iri_end = f"/xapi/activities/lesson/{lesson}"
    progressed = new.filter(object_activity__endswith=lesson_iri_end, verb__endswith="/progressed")
    per_user = Counter(progressed.values_list("user_id", flat=True).iterator())
    # What the LRS was told: the most whole minutes any of a watcher's statements carries (one
    # write of progress that crossed two minutes records one statement, with both in it).
    told: dict[int, int] = {}
    for user, full in progressed.values_list("user_id", "full").iterator():
        segments = full["result"]["extensions"][EXTENSION_WATCHED].split("[,]")
        seconds = sum(float(e) - float(s) for s, e in (x.split("[.]") for x in segments if x))
        told[user] = max(told.get(user, 0), math.floor(seconds / 60))
    watched = dict(
        LessonProgress.objects.filter(lesson_id=lesson, student__in=list(acked)).values_list(
            "student_id", "watched"
        )
    )
    untold = sorted(
        pk
        for pk, seconds in watched.items()
        if math.floor(seconds / 60) > told.get(pk, 0)  # each had watched under a minute before
    )
    lags = [
        (sent - stored_at).total_seconds()
        for stored_at, sent in Delivery.objects.filter(
            statement__number__gt=number_before, sent_at__isnull=False
        ).values_list("statement__stored", "sent_at")
    ]
    attempted = Delivery.objects.filter(statement__number__gt=number_before, attempts__gt=0)
    received, twice, arrivals = 0, 0, []
    with contextlib.suppress(ImportError):  # the demo outside LRS's table (forwarding's)
        from django.db.models import Sum

        from openclass.xapi.models import DemoReceived

        got = DemoReceived.objects.filter(statement_id__in=new.values("statement_id"))
        received = got.count()
        twice = (got.aggregate(times=Sum("times"))["times"] or 0) - received
        stored_of = dict(new.values_list("statement_id", "stored"))
        arrivals = [
            (at - stored_of[sid]).total_seconds()
            for sid, at in got.values_list("statement_id", "received_at")
        ]
    first = new.order_by("number").values_list("stored", flat=True).first()
    last = new.order_by("-number").values_list("stored", flat=True).first()
    Path(output).write_text(
        json.dumps(
            {
                "stored": new.count(),
                "ids": [str(i) for i in new.values_list("statement_id", flat=True)],
                "by_verb": dict(
                    Counter(v.rsplit("/", 1)[-1] for v in new.values_list("verb", flat=True))
                ),
                "progressed_per_user": {str(k): v for k, v in per_user.items()},
                "untold": untold,
                "deliveries": {str(k): v for k, v in states.items()},
                "deliveries_total": sum(states.values()),
                "attempted": attempted.count(),
                "lags": lags,
                "progress_stored": progress_stored,
                "waited_for_progress": waited_for_progress,
                "demo_received": received,
                "demo_twice": twice,
                "demo_arrivals": arrivals,
                "span": (last - first).total_seconds() if first and last else 0.0,
            }
        )
    )


def explain(setup_path: str, lines: int = 14) -> None:
    """Where a dashboard query's time goes: one query of each kind as the first teacher, through
    Django's test client (the whole view), its SQL captured; the slowest statement's plan
    (``EXPLAIN (ANALYZE, BUFFERS)``), its first ``lines`` lines."""
    import datetime

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    setup = json.loads(Path(setup_path).read_text())
    dashboard = setup["dashboards"][0]
    now = datetime.datetime.now(datetime.UTC)
    since = (now - datetime.timedelta(days=7)).isoformat()
    run_since = (now - datetime.timedelta(minutes=5)).isoformat()
    client = Client(
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Bearer {dashboard['token']}",
        HTTP_X_EXPERIENCE_API_VERSION=VERSION_HEADER,
    )
    say(f"\n  where a dashboard query's time goes (as {dashboard['teacher']}, one of each):")
    seen = set()
    for number in range(10):
        kind, path = _paths(dashboard, setup, number, since, run_since)
        if kind in seen:
            continue
        seen.add(kind)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            took = time.perf_counter() - started
        timed = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        slowest = max(timed, default=(0.0, ""))
        say(
            f"    {kind}: HTTP {response.status_code} in {took * 1000:,.0f} ms, {len(timed)} SQL "
            f"statements ({sum(t for t, _ in timed) * 1000:,.0f} ms), the slowest "
            f"{slowest[0] * 1000:,.0f} ms: {path[:150]}"
        )
        if not slowest[1].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1])
            plan = [row[0] for row in cursor.fetchall()]
        for row in plan[:lines]:
            say(f"      {row[:160]}")
        if len(plan) > lines:
            say(f"      … ({len(plan) - lines} more lines) {plan[-1]}")


# --- The load generator ----------------------------------------------------------------------


class Receiver:
    """The receiving LRS: answers ``POST …/statements`` (one statement or a list) with their ids
    as an LRS does, and keeps every id it got with the time it came (duplicates counted)."""

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.duplicates = 0
        self.requests = 0
        self.refused: Counter = Counter()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.demo = False  # the installation's demo outside LRS receives instead (counted there)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self.server.sockets[0].getsockname()[1]

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}/xapi/"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                method, target, _version = line.decode("latin-1").split(" ", 2)
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _sep, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                status, answer = self._answer(method, target, body)
                payload = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\n"
                    "Content-Type: application/json\r\n"
                    f"X-Experience-API-Version: {VERSION_HEADER}\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _answer(self, method: str, target: str, body: bytes) -> tuple[int, Any]:
        self.requests += 1
        path = urllib.parse.urlsplit(target).path.rstrip("/")
        if path.endswith("/about"):
            return 200, {"version": [VERSION_HEADER]}
        if not path.endswith("/statements") or method not in ("POST", "PUT"):
            self.refused[f"{method} {path}"] += 1
            return 404, {"error": "not here"}
        try:
            data = json.loads(body or b"null")
        except ValueError:
            self.refused["malformed"] += 1
            return 400, {"error": "malformed"}
        batch = data if isinstance(data, list) else [data]
        now = time.time()
        ids = []
        for statement in batch:
            sid = str(statement.get("id", "")) if isinstance(statement, dict) else ""
            ids.append(sid)
            if sid in self.received:
                self.duplicates += 1
            else:
                self.received[sid] = now
        return (204 if method == "PUT" else 200), ids

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def _demo_lrs_served(server: Server) -> bool:
    """Whether the installation serves the demo outside LRS (/demo-lrs/, forwarding's)."""
    client = RawHTTP(server)
    try:
        status, _body = await client.request(
            "GET", "/demo-lrs/xapi/about", headers={"X-Experience-API-Version": VERSION_HEADER}
        )
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
        return False
    finally:
        await client.close()
    return status != 404


@dataclass
class Queries:
    late: list[float] = field(default_factory=list)  # from the due time
    took: list[float] = field(default_factory=list)  # the request alone
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    by_slice: dict[int, list[float]] = field(default_factory=dict)  # SLICE seconds of the run
    begin: float = 0.0
    errors: Counter = field(default_factory=Counter)
    returned: int = 0
    out_of_scope: int = 0
    waiting: int = 0  # sent or waiting for their teacher's connection, not answered yet
    shed: int = 0  # not sent: SHED_AT earlier ones were still unanswered


async def _query(
    client: RawHTTP, path: str, token: str, due: float, kind: str, scope: set[str], out: Queries
) -> None:
    if out.waiting >= SHED_AT:
        out.shed += 1
        return
    out.waiting += 1
    try:
        async with client.busy:
            started = time.perf_counter()
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Experience-API-Version": VERSION_HEADER,
            }
            try:
                for attempt in (1, 2):
                    try:
                        status, body = await asyncio.wait_for(
                            client.request("GET", path, headers=headers),
                            max(0.1, due + QUERY_TIMEOUT - time.perf_counter()),
                        )
                        break
                    except (IndexError, asyncio.IncompleteReadError):
                        # The server closed an idle keep-alive connection: once more, anew.
                        await client.close()
                        if attempt == 2:
                            raise
            except TimeoutError:  # (an OSError: first)
                await client.close()  # its answer would come on this connection later
                out.errors[f"over {QUERY_TIMEOUT:.0f} s"] += 1
                return
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
                await client.close()
                out.errors[type(error).__name__] += 1
                return
            finished = time.perf_counter()
    finally:
        out.waiting -= 1
    if status != 200:
        out.errors[f"HTTP {status}"] += 1
        return
    out.late.append(finished - due)
    out.took.append(finished - started)
    out.by_kind.setdefault(kind, []).append(finished - due)
    out.by_slice.setdefault(int((due - out.begin) // SLICE), []).append(finished - due)
    try:
        result = json.loads(body)
    except ValueError:
        out.errors["not JSON"] += 1
        return
    for statement in result.get("statements", []):
        out.returned += 1
        named = {
            a.get("id")
            for a in statement.get("context", {}).get("contextActivities", {}).get("grouping", [])
        }
        if not named & scope:
            out.out_of_scope += 1


def _paths(dashboard: dict, setup: dict, number: int, since: str, run_since: str) -> tuple:
    """The ``number``-th query of a teacher's dashboard: (kind, path)."""
    rng = random.Random(number)
    course = rng.choice(dashboard["courses"])
    kind = ("course", "course", "course", "course", "completed", "completed", "agent", "agent",
            "live", "live")[number % 10]  # fmt: skip
    query: dict[str, str] = {"limit": "50"}
    if kind == "course":
        query.update(activity=course, related_activities="true", since=since)
    elif kind == "completed":
        query.update(
            activity=course,
            related_activities="true",
            verb="http://adlnet.gov/expapi/verbs/completed",
        )
    elif kind == "agent":
        query.update(agent=json.dumps(rng.choice(dashboard["agents"]), separators=(",", ":")))
    else:  # what happened in the last minutes: the watched course for its teacher, else theirs
        live = (
            setup["course_activity"] if setup["course_activity"] in dashboard["courses"] else course
        )
        query.update(activity=live, related_activities="true", since=run_since)
    return kind, "/xapi/statements?" + urllib.parse.urlencode(query)


async def _dashboards(server: Server, setup: dict, begin: float, end: float) -> Queries:
    """QUERY_RATE queries a second from begin to end, the teachers in turn, one connection
    each (a dashboard waiting for its previous answer is late)."""
    import datetime

    out = Queries(begin=begin)
    dashboards = setup["dashboards"]
    clients = [RawHTTP(server) for _ in dashboards]
    now = datetime.datetime.now(datetime.UTC)
    since = (now - datetime.timedelta(days=7)).isoformat()
    run_since = (now - datetime.timedelta(seconds=30)).isoformat()
    tasks = []
    try:
        number = 0
        while (due := begin + number / QUERY_RATE) < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            index = number % len(dashboards)
            dashboard = dashboards[index]
            kind, path = _paths(dashboard, setup, number, since, run_since)
            tasks.append(
                asyncio.create_task(
                    _query(
                        clients[index],
                        path,
                        dashboard["token"],
                        due,
                        kind,
                        set(dashboard["scope"]),
                        out,
                    )
                )
            )
            number += 1
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.close()
    return out


def _manage_shell(site_env: dict[str, str], code: str, capture: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**site_env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE if capture else None,
        start_new_session=True,
    )


@dataclass
class Run:
    watchers: list[Watcher]
    queries: Queries
    elapsed: float
    usage: Usage
    wall_begin: float
    wall_end: float


async def _load(
    server: Server, setup: dict, site_env: dict, window: float, folder: Path, meter: Meter
) -> Run:
    lesson = setup["lesson"]
    watchers = [Watcher(pk, key) for pk, key in setup["watchers"]]
    ramp = len(watchers) / CONNECT_RATE
    now = time.perf_counter()
    begin = now + ramp + 2.0
    end = begin + window
    wall_begin = time.time() + (begin - now)
    order = list(range(len(watchers)))
    random.Random(7).shuffle(order)
    tasks = [
        asyncio.create_task(
            watch(
                server,
                lesson,
                watchers[i],
                now + rank / CONNECT_RATE,
                begin + i / len(watchers),
                end + i / len(watchers),
            )
        )
        for rank, i in enumerate(order)
    ]
    emitter = None
    if not setup["real_path"]:
        students = [w.student for w in watchers]
        code = (
            "from bench.xapi import emit; "
            f"emit({str(folder / 'bench-xapi-emit.json')!r}, {setup['course']}, {lesson}, "
            f"{students!r}, {wall_begin!r}, {wall_begin + window!r})"
        )
        emitter = _manage_shell(site_env, code)
    await asyncio.sleep(max(0.0, begin - time.perf_counter()))
    steady_load_generator()
    meter.start()
    queries = await _dashboards(server, setup, begin, end)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    run = Run(watchers, queries, elapsed, meter.stop(), wall_begin, wall_begin + window)
    if emitter is not None:
        await asyncio.to_thread(emitter.wait)
    return run


def _ratio(value: float, target: float, higher_is_better: bool = False) -> str:
    if math.isnan(value) or not target:
        return "n/a"
    ratio = value / target
    good = ratio >= 1 if higher_is_better else ratio < 1
    return f"{ratio:.2f}× the target: {'PASS' if good else 'MISS'}"


def _report(setup: dict, run: Run, found: dict, emitted: dict | None, receiver: Receiver) -> None:
    queries, window = run.queries, run.wall_end - run.wall_begin
    # Beats are numbered on from what each watcher had watched before (setup["offsets"]).
    before = {int(pk): seconds for pk, seconds in setup["offsets"].items()}
    acked = sum(max(0, w.acked - before[w.student]) for w in run.watchers)
    sent = sum(max(0, w.sent - before[w.student]) for w in run.watchers)
    errors = Counter(w.error for w in run.watchers if w.error)
    print(
        f"\n  watchers: {acked:,} beats acknowledged of {sent:,} "
        f"sent; watchers with errors: {sum(errors.values())}"
        + (f" {dict(errors)}" if errors else "")
    )
    beat_times = [x for w in run.watchers for x in w.latencies]
    print(
        f"    beat round trip         p50 {ms(percentile(beat_times, 50))}  "
        f"p95 {ms(percentile(beat_times, 95))}  p99 {ms(percentile(beat_times, 99))}"
    )
    offered = int(window * QUERY_RATE)
    print(
        f"  dashboards: {len(queries.late):,} queries answered of {offered:,} offered "
        f"({len(queries.late) / run.elapsed:.1f}/s of {QUERY_RATE:.0f}/s); "
        f"{queries.returned:,} statements returned, {queries.out_of_scope} outside the "
        "teacher's classes and courses"
        + (f"; errors {dict(queries.errors)}" if queries.errors else "")
        + (f"; {queries.shed:,} shed ({SHED_AT} unanswered when due)" if queries.shed else "")
    )
    for kind, values in sorted(queries.by_kind.items()):
        print(
            f"    {kind:<22} p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}"
            f"  p99 {ms(percentile(values, 99))}  ({len(values):,})"
        )
    print(
        f"    p95 by {SLICE:.0f} s of the run  "
        + ", ".join(ms(percentile(queries.by_slice[n], 95)) for n in sorted(queries.by_slice))
    )
    print(
        f"    all, the request alone  p50 {ms(percentile(queries.took, 50))}  "
        f"p95 {ms(percentile(queries.took, 95))}"
    )
    print(f"  {run.usage} (over the window)")
    by_verb = ", ".join(f"{verb} {n:,}" for verb, n in sorted(found["by_verb"].items()))
    source = (
        "the courses' progress services (services.record on the real path)"
        if setup["real_path"]
        else "the benchmark's emitter calling services.record at the rule's rate (the courses "
        "do not record yet)"
    )
    print(f"  statements stored during the run: {found['stored']:,} ({by_verb}); from {source}")
    per_user = found["progressed_per_user"]
    offsets = {int(pk): seconds for pk, seconds in setup["offsets"].items()}
    # The rule: one statement each time the whole minutes watched grow.
    minutes = {  # a watcher's beats are numbered on from what it had watched
        w.student: max(w.acked, offsets[w.student]) // 60 - offsets[w.student] // 60
        for w in run.watchers
    }
    differ = sum(1 for w in run.watchers if per_user.get(str(w.student), 0) != minutes[w.student])
    untold = found["untold"]
    print(
        f"    progress rows holding every acknowledged beat: {found['progress_stored']:,} of "
        f"{len(run.watchers):,} ({found['waited_for_progress']:.0f} s after the watchers left)"
    )
    print(
        f"    progressed per watcher: {min(per_user.values(), default=0)}–"
        f"{max(per_user.values(), default=0)}; the rule (one per whole minute watched) gives "
        f"{sum(minutes.values()):,} for the beats acknowledged; {differ} watchers differ "
        "(a write of progress that crossed two minutes records one statement for both)"
    )
    print(
        f"    watchers whose statements carry fewer whole minutes than their stored progress: "
        f"{len(untold)}" + (f" (students {untold[:10]})" if untold else "")
    )
    if emitted:
        print(
            f"    emitter: {emitted['recorded']:,} record() calls committed, each "
            f"p50 {ms(percentile(emitted['took'], 50))} p95 {ms(percentile(emitted['took'], 95))}"
            + (f"; errors {emitted['errors']}" if emitted["errors"] else "")
        )
    # On the real path a statement is recorded by the write it belongs to, so what is counted
    # is that no minute went untold, not one statement per minute.
    recorded = emitted["recorded"] if emitted else found["stored"]
    rate = found["stored"] / window
    deliveries = found["deliveries"]
    sent = deliveries.get("sent", 0)
    ids = set(found["ids"])
    lags = found["lags"]
    if receiver.demo:
        received, twice = found["demo_received"], found["demo_twice"]
        where = "the demo outside LRS (/demo-lrs/, in the installation) holds"
    else:
        received, twice = len(ids & set(receiver.received)), receiver.duplicates
        where = (
            f"the receiving LRS (the load generator's) got, in {receiver.requests:,} requests, "
            f"besides {len(set(receiver.received) - ids)} it should not have;"
        )
    print(
        f"  outbox: {found['deliveries_total']:,} deliveries "
        + ", ".join(f"{state} {n:,}" for state, n in sorted(deliveries.items()))
        + f"; {where} {received:,} of them, {twice} sent twice"
    )
    lag95 = percentile(lags, 95)
    if receiver.demo and found["demo_arrivals"]:
        arrivals = found["demo_arrivals"]
        print(
            f"    stored → received by the demo LRS: p50 {ms(percentile(arrivals, 50))}  "
            f"p95 {ms(percentile(arrivals, 95))}  max {ms(max(arrivals))}"
        )
    if not lags:
        print(
            "    nothing was sent: no delivery has a sent_at"
            + (
                f" ({found['attempted']} tried)"
                if found["attempted"]
                else " and none was tried (forwarding's sender is not in main)"
            )
        )
    # A query that failed, timed out or was shed counts as slower than any answered.
    failed = sum(queries.errors.values()) + queries.shed
    query95 = percentile(queries.late + [math.inf] * failed, 95)
    shown95 = ms(query95) if math.isfinite(query95) else f"over {QUERY_TIMEOUT:.0f} s (failed)"
    print(
        f"\n  {'statement write rate':<24} {rate:,.1f} statements/s ({found['stored']:,} in "
        f"{window:.0f} s; {len(run.watchers):,} watchers at one a minute give "
        f"{len(run.watchers) / 60:.1f}/s)"
    )
    print(
        f"  {'query p95':<24} {shown95}   target < {TARGET_QUERY_P95 * 1000:.0f} ms with "
        f"{setup['statements']:,} stored: "
        + (_ratio(query95, TARGET_QUERY_P95) if math.isfinite(query95) else "MISS")
        + (f" (failed, timed out or shed counted as slowest: {failed:,})" if failed else "")
    )
    print(
        f"  {'outbox lag p95':<24} {ms(lag95) if lags else 'n/a'}   target < "
        f"{TARGET_LAG_P95:.0f} s: {_ratio(lag95, TARGET_LAG_P95)}"
    )
    counts = (recorded, found["stored"], sent, received)
    lost = len(set(counts)) != 1 or twice or untold
    print(
        f"  {'nothing lost':<24} recorded {recorded:,} = stored {found['stored']:,} = sent "
        f"{sent:,} = received {received:,}; minutes untold {len(untold)}: "
        f"{'MISS' if lost else 'PASS'}"
    )


def run(statements: int, watchers: int, window: float) -> None:
    from bench.storm import _postmaster, throwaway_postgres
    from openclass.core.redis_process import is_installed as redis_installed
    from openclass.core.redis_process import throwaway_redis

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        try:
            database = stack.enter_context(throwaway_postgres())
        except (OSError, RuntimeError) as error:
            print(f"  skipped: no PostgreSQL ({error})")
            return
        site = stack.enter_context(demo_site("small", database_url=database))
        workers = 1
        if redis_installed():
            redis = stack.enter_context(throwaway_redis(site.var_dir / "redis"))
            site.env["OPENCLASS_REDIS_URL"] = redis.url
            workers = 2
        site.env["OPENCLASS_WEB_WORKERS"] = str(workers)
        output = site.var_dir / "bench-xapi.json"
        code = (
            "from bench.xapi import prepare; "
            f"prepare({str(output)!r}, {statements}, {watchers}, {TEACHERS})"
        )
        if _manage_shell(site.env, code).wait() or not output.exists():
            print("  the set-up failed")
            return
        setup = json.loads(output.read_text())
        receiver = Receiver()

        async def whole() -> None:
            await receiver.start()
            huey = subprocess.Popen(
                [PYTHON, "manage.py", "run_huey", "--workers", "2"],
                cwd=ROOT,
                env=site.env,
                stdout=(site.var_dir / "huey.log").open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                with running_server(site, workers=workers) as server:
                    demo = await _demo_lrs_served(server)
                    receiver.demo = demo
                    endpoint = f"{server.base_url}/demo-lrs/xapi/" if demo else receiver.endpoint
                    site.manage(
                        "shell",
                        "-c",
                        f"from bench.xapi import destination; destination({endpoint!r}, {demo})",
                    )
                    print(
                        f"  server: uvicorn, {workers} worker{'s' * (workers > 1)}, PostgreSQL "
                        f"({database.rsplit('@', 1)[1]}), "
                        + ("Redis, " if workers > 1 else "")
                        + f"Huey (2 workers); {os.cpu_count()} CPUs shared with this load "
                        f"generator; load average {os.getloadavg()[0]:.2f}; set-up took "
                        f"{time.monotonic() - started:,.0f} s",
                        flush=True,
                    )
                    print(
                        f"  {len(setup['watchers']):,} watchers for {window:.0f} s, "
                        f"{QUERY_RATE:.0f} dashboard queries a second from "
                        f"{len(setup['dashboards'])} teachers; statements from "
                        + (
                            "the courses' progress writes"
                            if setup["real_path"]
                            else "the benchmark's emitter (the courses do not record yet)"
                        ),
                        flush=True,
                    )
                    meter = Meter(server, {"PostgreSQL": _postmaster(database), "Huey": [huey.pid]})
                    load = await _load(server, setup, site.env, window, site.var_dir, meter)
                    emitted = None
                    if not setup["real_path"]:
                        path = site.var_dir / "bench-xapi-emit.json"
                        emitted = json.loads(path.read_text()) if path.exists() else None
                    found_path = site.var_dir / "bench-xapi-stored.json"
                    acked_path = site.var_dir / "bench-xapi-acked.json"
                    acked_path.write_text(json.dumps({w.student: w.acked for w in load.watchers}))
                    code = (
                        "from bench.xapi import stored; "
                        f"stored({str(found_path)!r}, {setup['number_before']}, "
                        f"{setup['lesson']}, 120.0, {str(acked_path)!r})"
                    )
                    checker = _manage_shell(site.env, code)
                    await asyncio.to_thread(checker.wait)
                    found = json.loads(found_path.read_text())
                    await asyncio.sleep(1.0)  # the last batch's answer
                    server.print_troubles()
                    _report(setup, load, found, emitted, receiver)
                    code = f"from bench.xapi import explain; explain({str(output)!r})"
                    await asyncio.to_thread(_manage_shell(site.env, code).wait)
            finally:
                from openclass.core.server import stop_process

                stop_process(huey)
                receiver.close()

        asyncio.run(whole())
        print(f"  ({time.monotonic() - started:,.0f} s in all)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.xapi")
    parser.add_argument(
        "--statements",
        type=int,
        default=int(os.environ.get("OPENCLASS_BENCH_STATEMENTS", STATEMENTS)),
        help=f"statements in the store before the run (default {STATEMENTS:,})",
    )
    parser.add_argument("--watchers", type=int, default=WATCHERS)
    parser.add_argument(
        "--window",
        type=float,
        default=float(os.environ.get("OPENCLASS_BENCH_WINDOW", WINDOW)),
        help=f"seconds of watching and querying (default {WINDOW:.0f})",
    )
    options = parser.parse_args(argv or [])
    print(
        f"xapi: {options.watchers:,} watchers' progress as statements, {QUERY_RATE:.0f} "
        f"dashboard queries a second over {options.statements:,} stored statements, forwarding "
        "to a receiving LRS"
    )
    run(options.statements, options.watchers, options.window)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
