"""`manage.py demo_data`: build the deterministic demo city and what each area adds to it (its
courses, quizzes and assignments, live classes, applications and pay), by running the demo data
builders the areas register (``core.registry``), each after those whose data it builds on."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from openclass.accounts import demo
from openclass.core import registry


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
        builders = registry.demo_builders()
        if once and all(builder.exists() for builder in builders):
            self.stdout.write("The demo city already exists; nothing to do.")
            return
        # Small cities (tests) skip the videos: generating and transcoding them takes seconds.
        asked = registry.DemoOptions(
            size=size, seed=seed, with_videos=size == "full" and not without_videos
        )
        for builder in builders:
            for line in builder.build(asked):
                self.stdout.write(line)
        self.stdout.write(f"Every demo account's password: {demo.DEMO_PASSWORD}")
        for role, username in demo.DEMO_LOGINS:
            self.stdout.write(f"  {role:<24} {username}")
