"""Quiz rules: attempts, answers saved as the student goes, deadlines, grading and results."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .models import Attempt, Quiz


def kept_percents(quiz: Quiz, student_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """Each student's grade that counts for ``quiz`` (by its keep-best/last/average rule), in
    percent, from their fully graded attempts; ``None`` for a student with none yet."""
    ids = list(student_ids)
    graded: dict[int, list[Decimal]] = {student_id: [] for student_id in ids}
    attempts = Attempt.objects.filter(
        quiz=quiz, student_id__in=ids, state=Attempt.State.GRADED
    ).order_by("number")
    for attempt in attempts.only("student_id", "score", "max_score"):
        graded[attempt.student_id].append(attempt.percent)
    return {student_id: quiz.kept_percent(percents) for student_id, percents in graded.items()}
