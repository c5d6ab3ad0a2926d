"""The access log's cost per read (issue 15, item 3): what ``privacy.services.record_read`` adds
to a page that shows a student's records, on the embedded default (SQLite, WAL).

Inside the installation's Django (``manage.py shell``) on the small demo city: 2,000 reads of one
student's page, 500 reads of a whole class's grid (every student named), then the same single
reads from 4 threads at once (the request threads of one server process), and a verification of
the whole chain. Printed: per-read p50/p95/p99 and reads/s, and the verification's rows/s.
"""

from __future__ import annotations

import json

from bench import demo_site, percentile

SINGLE_READS = 2000
CLASS_READS = 500
THREADS = 4


def measure(single: int, class_reads: int, threads: int) -> dict:
    """Runs inside the installation (``manage.py shell``); returns the figures."""
    import threading
    import time

    from django.db import connection

    from openclass.accounts.models import User
    from openclass.privacy.models import AccessRecord
    from openclass.privacy.services import record_read, verify_chain

    teacher = User.objects.get(username="hanbit-t01")
    student = User.objects.filter(role=User.Role.STUDENT).select_related("organisation").first()
    assert student is not None
    klass = student.organisation
    classmates = list(User.objects.filter(organisation=klass, role=User.Role.STUDENT))

    def timed(count: int, students: list, out: list[float]) -> None:
        for number in range(count):
            started = time.perf_counter()
            record_read(teacher, AccessRecord.What.STUDENT_ATTENDANCE, students, number)
            out.append(time.perf_counter() - started)

    figures: dict = {"class_size": len(classmates)}
    for name, count, students in (
        ("single", single, [student]),
        ("class", class_reads, classmates),
    ):
        times: list[float] = []
        started = time.perf_counter()
        timed(count, students, times)
        figures[name] = {"times": times, "wall": time.perf_counter() - started}
    per_thread: list[list[float]] = [[] for _ in range(threads)]

    def worker(index: int) -> None:
        try:
            timed(single // threads, [student], per_thread[index])
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    figures["threads"] = {
        "times": [t for times in per_thread for t in times],
        "wall": time.perf_counter() - started,
    }
    started = time.perf_counter()
    report = verify_chain()
    figures["verify"] = {
        "ok": report.ok,
        "rows": report.checked,
        "wall": time.perf_counter() - started,
    }
    return figures


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    with demo_site("small") as site:
        code = (
            "import json, bench.access_log as b; "
            f"print(json.dumps(b.measure({SINGLE_READS}, {CLASS_READS}, {THREADS})))"
        )
        figures = json.loads(site.manage("shell", "-c", code).strip().splitlines()[-1])
    labels = {
        "single": "one student's page",
        "class": f"a class grid ({figures['class_size']} students)",
        "threads": f"one student's page, {THREADS} threads at once",
    }
    for name, label in labels.items():
        times = figures[name]["times"]
        rate = len(times) / figures[name]["wall"]
        print(
            f"{label:<45} p50 {ms(percentile(times, 50))}  p95 {ms(percentile(times, 95))}  "
            f"p99 {ms(percentile(times, 99))}  {rate:,.0f} reads/s"
        )
    verify = figures["verify"]
    print(
        f"verify_chain: {verify['rows']:,} rows in {verify['wall']:.2f} s "
        f"({verify['rows'] / verify['wall']:,.0f} rows/s), ok={verify['ok']}"
    )
