"""What operations holds about a person, for their data archive (``privacy``'s "download my
data"): a student's points; an instructor's profile, documents, availability and pay lines."""

from __future__ import annotations

import posixpath

from openclass.accounts.models import User
from openclass.core.registry import ExportFile, ExportPart, exporter

from .models import AvailabilitySlot, InstructorDocument, InstructorProfile, PayLine, PointEntry


def _name(document: InstructorDocument) -> str:
    return f"{document.pk}-{document.title}{posixpath.splitext(document.file.name)[1]}"


@exporter("operations.points")
def points(person: User) -> ExportPart | None:
    entries = list(PointEntry.objects.filter(student=person).order_by("created_at", "pk"))
    if not entries:
        return None
    return ExportPart(
        {
            "total": sum(e.points for e in entries),
            "entries": [
                {
                    "when": e.created_at,
                    "event": e.get_event_display(),
                    "source": e.source,
                    "points": e.points,
                }
                for e in entries
            ],
        }
    )


@exporter("operations.instructor")
def instructor(person: User) -> ExportPart | None:
    profile = InstructorProfile.objects.filter(user=person).first()
    lines = PayLine.objects.filter(instructor=person).select_related("month", "report__session")
    if profile is None and not lines.exists():
        return None
    data: dict = {}
    files: list[ExportFile] = []
    if profile is not None:
        documents = InstructorDocument.objects.filter(profile=profile).order_by("pk")
        data["profile"] = {
            "kind": profile.get_kind_display(),
            "headline": profile.headline,
            "career": profile.career,
            "topics": [str(topic) for topic in profile.topics.all()],
            "status": profile.get_status_display(),
            "review_note": profile.review_note,
            "created_at": profile.created_at,
            "documents": [
                {"title": d.title, "uploaded_at": d.uploaded_at, "file": _name(d)}
                for d in documents
            ],
            "availability": [
                {"day": s.day, "from": s.starts_at, "until": s.ends_at}
                for s in AvailabilitySlot.objects.filter(profile=profile).order_by("day", "pk")
            ],
        }
        files = [ExportFile(_name(d), d.file.open) for d in documents]
    data["pay"] = [
        {
            "month": line.month.month.strftime("%Y-%m"),
            "session": line.report.session.shown_title,
            "day": line.report.session.day,
            "kind": line.get_kind_display(),
            "minutes": line.minutes,
            "amount_won": line.amount_won,
            "how_it_was_computed": line.detail,
        }
        for line in lines.order_by("month__month", "pk")
    ]
    return ExportPart(data, tuple(files))
