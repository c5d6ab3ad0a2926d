"""`manage.py demo_data`: build the deterministic demo city (``openclass.accounts.demo``), its
demo courses (``openclass.courses.demo``) and their quizzes and assignments
(``openclass.assessments.demo``), and its live classes (``openclass.live.demo``)."""

from __future__ import annotations

import time
from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from openclass.accounts import demo
from openclass.accounts.models import Organisation, User
from openclass.assessments import demo as assessment_demo
from openclass.courses import demo as course_demo
from openclass.live import demo as live_demo
from openclass.operations import demo as operations_demo


class Command(BaseCommand):
    help = (
        "Build the demo city: an office of education, 2 district offices, 6 schools, about 1,500 "
        "students with their teachers and parents, 10 instructors. Safe to run again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Do nothing when the demo city already exists (what `make run` uses).",
        )
        parser.add_argument(
            "--size",
            choices=demo.SIZES,
            default="full",
            help="'small' builds one school with 2 grades × 2 classes × 10 students, for tests.",
        )
        parser.add_argument(
            "--without-videos",
            action="store_true",
            help="Build the demo courses without generating and transcoding their videos.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEMO_SEED,
            help="The same seed always gives the same names.",
        )

    def handle(
        self, *args, once: bool, size: str, seed: int, without_videos: bool, **options
    ) -> None:
        if (
            once
            and demo.demo_city_exists()
            and course_demo.demo_courses_exist()
            and assessment_demo.demo_assessments_exist()
            and live_demo.demo_live_exists()
            and operations_demo.demo_operations_exist()
        ):
            self.stdout.write("The demo city already exists; nothing to do.")
            return
        started = time.monotonic()
        report = demo.build_demo_city(size=size, seed=seed)
        elapsed = time.monotonic() - started
        plan = report.plan
        Kind, Role = Organisation.Kind, User.Role
        self.stdout.write(
            f"Demo city ({size}): {plan.count_orgs(Kind.DISTRICT)} district offices, "
            f"{plan.count_orgs(Kind.SCHOOL)} schools, {plan.count_orgs(Kind.CLASS)} classes; "
            f"{plan.count(Role.STUDENT):,} students, {plan.count(Role.TEACHER)} teachers, "
            f"{plan.count(Role.SCHOOL_ADMIN)} school admins, {plan.count(Role.PARENT):,} parents, "
            f"{plan.count(Role.INSTRUCTOR)} instructors, {plan.count(Role.OFFICE_ADMIN)} office "
            "admin."
        )
        if report.created_anything:
            self.stdout.write(
                f"Created {report.created_organisations} organisations, "
                f"{report.created_users:,} users, {report.created_assignments} teaching "
                f"assignments and {report.created_links:,} parent links in {elapsed:.1f} s."
            )
        else:
            self.stdout.write("Everything was already there; nothing changed.")
        started = time.monotonic()
        # Small cities (tests) skip the videos: generating and transcoding them takes seconds.
        if created := course_demo.build_demo_courses(
            with_videos=size == "full" and not without_videos
        ):
            self.stdout.write(
                f"Created {created} demo courses in {time.monotonic() - started:.1f} s."
            )
        started = time.monotonic()
        if created := assessment_demo.build_demo_assessments():
            self.stdout.write(
                f"Created {created} demo quizzes and assignments with students' work in "
                f"{time.monotonic() - started:.1f} s."
            )
        if created := live_demo.build_demo_live():
            self.stdout.write(
                f"Created {created} demo live classes (one held, with its attendance; one today)."
            )
        if created := operations_demo.build_demo_operations():
            self.stdout.write(
                f"Created {created} demo course applications (every state), the instructor "
                "pool, the rate table and last month's closed pay."
            )
        self.stdout.write(f"Every demo account's password: {demo.DEMO_PASSWORD}")
        for role, username in demo.DEMO_LOGINS:
            self.stdout.write(f"  {role:<24} {username}")
