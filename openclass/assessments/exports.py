"""What assessments holds about a person, for their data archive (``privacy``'s "download my
data"): a student's quiz attempts with their answers, their submissions with every version's
files and the teacher's feedback, and their grades as they may see them (scores of a quiz whose
results are not shown yet stay out, as on the student's own pages)."""

from __future__ import annotations

from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.registry import ExportFile, ExportPart, exporter

from .models import Answer, Attempt, Submission, SubmissionFile
from .services import gradebook, quizzes


def _attempts(person: User) -> list[dict]:
    now = timezone.now()
    attempts = Attempt.objects.filter(student=person).select_related(
        "quiz__lesson__section__course"
    )
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(attempt__student=person).select_related("question"):
        answers.setdefault(answer.attempt_id, []).append(answer)
    rows = []
    for attempt in attempts.order_by("started_at", "pk"):
        quiz = attempt.quiz
        shown = quizzes.revealed(quiz, quiz.show_results, now)
        rows.append(
            {
                "course": quiz.lesson.section.course.title,
                "quiz": quiz.lesson.title,
                "attempt": attempt.number,
                "state": attempt.get_state_display(),
                "started_at": attempt.started_at,
                "submitted_at": attempt.submitted_at,
                "score": attempt.score if shown else None,
                "max_score": attempt.max_score,
                "answers": [
                    {
                        "question": answer.question.text,
                        "response": answer.response,
                        "saved_at": answer.saved_at,
                        "score": answer.score if shown else None,
                        "feedback": answer.feedback if shown else "",
                    }
                    for answer in sorted(answers.get(attempt.pk, []), key=lambda a: a.pk)
                ],
            }
        )
    return rows


def _submissions(person: User) -> tuple[list[dict], list[ExportFile]]:
    submissions = (
        Submission.objects.filter(student=person)
        .select_related("assignment__lesson__section__course")
        .prefetch_related("versions")
        .order_by("submitted_at", "pk")
    )
    files_of: dict[int, list[SubmissionFile]] = {}
    for file in SubmissionFile.objects.filter(version__submission__student=person).order_by("pk"):
        files_of.setdefault(file.version_id, []).append(file)
    rows, files = [], []
    for submission in submissions:
        versions = []
        for version in sorted(submission.versions.all(), key=lambda v: v.number):
            names = []
            for file in files_of.get(version.pk, []):
                path = f"{submission.pk}/v{version.number}/{file.name}"
                names.append(path)
                files.append(ExportFile(path, file.file.open))
            versions.append(
                {
                    "number": version.number,
                    "text": version.text,
                    "submitted_at": version.submitted_at,
                    "late": version.is_late,
                    "files": names,
                }
            )
        feedback_file = ""
        if submission.feedback_file:
            feedback_file = (
                f"{submission.pk}/feedback/{submission.feedback_file_name or 'feedback'}"
            )
            files.append(ExportFile(feedback_file, submission.feedback_file.open))
        graded = submission.graded_at is not None
        rows.append(
            {
                "course": submission.assignment.lesson.section.course.title,
                "assignment": submission.assignment.lesson.title,
                "submitted_at": submission.submitted_at,
                "late": submission.is_late,
                "score": submission.score if graded else None,
                "feedback": submission.feedback if graded else "",
                "feedback_file": feedback_file,
                "versions": versions,
            }
        )
    return rows, files


def _grades(person: User) -> list[dict]:
    rows = []
    for course in gradebook.enrolled_courses(person, person):
        _table, row = gradebook.student_row(course, person, person)
        rows.append(
            {
                "course": course.title,
                "total": row.total_label,
                "items": [
                    {"lesson": cell.item_column.lesson.title, "grade": cell.label}
                    for cell in row.cells
                ]
                + [
                    {"lesson": cell.outside_column.title, "grade": cell.label}
                    for cell in row.outside_cells
                ],
            }
        )
    return rows


@exporter("assessments.work")
def work(person: User) -> ExportPart | None:
    if not person.is_student:
        return None
    submissions, files = _submissions(person)
    return ExportPart(
        {
            "quiz_attempts": _attempts(person),
            "submissions": submissions,
            "grades": _grades(person),
        },
        tuple(files),
    )
