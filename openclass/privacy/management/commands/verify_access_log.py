"""``manage.py verify_access_log``: walk the access log's hash chain and report the first row
that does not fit (exit status 1), or the chain's head to write down (exit status 0)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openclass.privacy.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the access log of student records."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"broken at row {report.broken_seq} ({report.reason}); "
                f"{report.checked} rows after row {report.start} verified before it"
            )
        self.stdout.write(
            f"ok: {report.checked} rows verified after row {report.start}; "
            f"head {report.head} {report.head_digest}"
        )
