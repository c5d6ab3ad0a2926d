"""The question bank: one set of rules for a question's content (used by the form and the XLSX
import alike), saving, copying and deleting, and the checks of a question's image.

Who may open, change or copy which question is ``assessments.access`` (``visible_questions``,
``can_edit_question``, ``can_view_question``): a question belongs to its owner; shared, it is
visible to the staff of its owner's school, who may copy it into their own bank.
"""

from __future__ import annotations

import io
import math
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from openclass.accounts import scoping
from openclass.accounts.models import User

from ..access import can_edit_question, visible_questions
from ..models import Answer, Choice, Question, QuizQuestion

Kind = Question.Kind
MAX_CHOICES = 10
MIN_CHOICES = 2
MAX_POINTS = Decimal("99999.99")
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000  # a 5 MB PNG can still unpack into gigabytes; this cannot
# Formats a browser shows and Pillow reads; the file is served with the type Pillow found.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
IMAGE_SUFFIX = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
VARIANT_SEPARATOR = "|"


# --- A question's content -------------------------------------------------------------------


@dataclass
class QuestionData:
    """Everything about a question but its owner and image, as the form and the XLSX import
    read it. ``choices`` are ``(text, is_correct)`` in order; blank ones are dropped."""

    kind: str
    text: str
    points: Decimal = Decimal(1)
    category: str = ""
    explanation: str = ""
    image_alt: str = ""
    is_shared: bool = False
    choices: list[tuple[str, bool]] = field(default_factory=list)
    answer_true: bool | None = None
    accepted_answers: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    ignore_spaces: bool = True
    numeric_answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)

    @classmethod
    def of(cls, question: Question) -> QuestionData:
        return cls(
            kind=question.kind,
            text=question.text,
            points=question.points,
            category=question.category,
            explanation=question.explanation,
            image_alt=question.image_alt,
            is_shared=question.is_shared,
            choices=[(c.text, c.is_correct) for c in question.choices.all()],
            answer_true=question.answer_true,
            accepted_answers=list(question.accepted_answers or []),
            case_sensitive=question.case_sensitive,
            ignore_spaces=question.ignore_spaces,
            numeric_answer=_decimal(question.numeric_answer),
            tolerance=_decimal(question.tolerance) or Decimal(0),
        )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(float(value)))


def check_question(data: QuestionData, owner: User | None = None) -> list[tuple[str, str]]:
    """Every problem with ``data`` as ``(field, message)``; empty when it can be saved. The
    fields are ``QuestionData``'s; the form and the XLSX import put the messages next to their
    own inputs and columns."""
    errors: list[tuple[str, str]] = []
    if data.kind not in Kind.values:
        errors.append(("kind", _("Choose one of the question kinds.")))
        return errors
    if not data.text.strip():
        errors.append(("text", _("Write the question.")))
    if not isinstance(data.points, Decimal) or not data.points.is_finite():
        errors.append(("points", _("Points must be a number.")))
    elif data.points < 0 or data.points > MAX_POINTS:
        errors.append(("points", _("Points must be between 0 and %(max)s.") % {"max": MAX_POINTS}))
    elif data.points != data.points.quantize(Decimal("0.01")):
        errors.append(("points", _("Points can have at most two decimal places.")))
    if len(data.category) > 80:
        errors.append(("category", _("The category can be at most 80 characters long.")))
    if data.is_shared and owner is not None and scoping.school_of(owner) is None:
        errors.append(("is_shared", _("Only staff of a school can share questions with it.")))
    choices = [(text.strip(), correct) for text, correct in data.choices if text.strip()]
    if data.kind in Question.CHOICE_KINDS:
        correct = sum(1 for _text, is_correct in choices if is_correct)
        if len(choices) < MIN_CHOICES:
            errors.append(("choices", _("Give at least two choices.")))
        elif len(choices) > MAX_CHOICES:
            errors.append(("choices", _("Give at most %(n)d choices.") % {"n": MAX_CHOICES}))
        if any(len(text) > 500 for text, _correct in choices):
            errors.append(("choices", _("A choice can be at most 500 characters long.")))
        if data.kind == Kind.SINGLE and correct != 1:
            errors.append(("choices", _("Mark exactly one choice as correct.")))
        if data.kind == Kind.MULTIPLE and correct < 1:
            errors.append(("choices", _("Mark at least one choice as correct.")))
    elif data.kind == Kind.TRUE_FALSE:
        if data.answer_true is None:
            errors.append(("answer_true", _("Say whether the statement is true or false.")))
    elif data.kind == Kind.SHORT:
        variants = [answer.strip() for answer in data.accepted_answers if answer.strip()]
        if not variants:
            errors.append(("accepted_answers", _("Give at least one accepted answer.")))
        if any(VARIANT_SEPARATOR in answer for answer in variants):
            errors.append(
                (
                    "accepted_answers",
                    _(
                        "An accepted answer cannot contain “|”, which separates them in "
                        "spreadsheets."
                    ),
                )
            )
    elif data.kind == Kind.NUMERIC:
        if data.numeric_answer is None or not data.numeric_answer.is_finite():
            errors.append(("numeric_answer", _("Give the answer as a number.")))
        elif not math.isfinite(float(data.numeric_answer)):
            errors.append(("numeric_answer", _("The answer is too large.")))
    if not isinstance(data.tolerance, Decimal) or not data.tolerance.is_finite():
        errors.append(("tolerance", _("The tolerance must be a number.")))
    elif data.tolerance < 0:
        errors.append(("tolerance", _("The tolerance cannot be negative.")))
    elif not math.isfinite(float(data.tolerance)):
        errors.append(("tolerance", _("The tolerance is too large.")))
    return errors


def _fill(question: Question, data: QuestionData) -> None:
    """Copy ``data`` onto ``question``, clearing what the kind does not use, so a question that
    changed kind keeps no stale answer."""
    kind = data.kind
    question.kind = kind
    question.text = data.text.strip()
    question.points = data.points
    question.category = data.category.strip()
    question.explanation = data.explanation.strip()
    question.image_alt = data.image_alt.strip()[:300]
    question.is_shared = data.is_shared
    question.answer_true = data.answer_true if kind == Kind.TRUE_FALSE else None
    variants = [answer.strip() for answer in data.accepted_answers if answer.strip()]
    question.accepted_answers = variants if kind == Kind.SHORT else []
    question.case_sensitive = data.case_sensitive if kind == Kind.SHORT else False
    question.ignore_spaces = data.ignore_spaces if kind == Kind.SHORT else True
    question.numeric_answer = (
        float(data.numeric_answer)
        if kind == Kind.NUMERIC and data.numeric_answer is not None
        else None
    )
    question.tolerance = float(data.tolerance) if kind == Kind.NUMERIC else 0


def _replace_choices(question: Question, data: QuestionData) -> None:
    question.choices.all().delete()
    if data.kind in Question.CHOICE_KINDS:
        Choice.objects.bulk_create(
            Choice(question=question, text=text.strip(), is_correct=correct, position=position)
            for position, (text, correct) in enumerate(
                (c for c in data.choices if c[0].strip()), start=1
            )
        )


def save_question(
    owner: User,
    data: QuestionData,
    question: Question | None = None,
    image: ContentFile | None = None,
    remove_image: bool = False,
) -> Question:
    """Create ``owner``'s question from ``data``, or change ``question`` (which must be theirs).
    Raises ``ValidationError`` with every problem and saves nothing then. ``image`` is an
    uploaded file already checked by ``check_image``; the old image file is removed once the
    change is committed."""
    if question is not None and question.owner_id != owner.pk:
        raise ValidationError(_("Only the question's owner can change it."))
    if errors := check_question(data, owner):
        raise ValidationError([message for _field, message in errors])
    question = question or Question(owner=owner)
    old_image = question.image.name if question.image else ""
    _fill(question, data)
    question.school = scoping.school_of(owner)
    with transaction.atomic():
        if image is not None:
            question.image.save(image_name(image), image, save=False)
        elif remove_image:
            question.image = ""
            question.image_alt = ""
        question.save()
        _replace_choices(question, data)
        if old_image and old_image != (question.image.name or ""):
            storage = question.image.storage
            transaction.on_commit(lambda: storage.delete(old_image))
    return question


def import_questions(owner: User, rows: list[QuestionData]) -> list[Question]:
    """Save every row or none (the import shows its own row errors before calling this)."""
    with transaction.atomic():
        return [save_question(owner, data) for data in rows]


def copy_question(user: User, question: Question) -> Question:
    """Copy a question ``user`` may see into their own bank, unshared, with its choices and its
    own copy of the image (deleting either question never breaks the other)."""
    if not visible_questions(user).filter(pk=question.pk).exists():
        raise ValidationError(_("You cannot copy this question."))
    data = QuestionData.of(question)
    data.is_shared = False
    image = None
    if question.image:
        try:
            with question.image.open("rb") as source:
                image = ContentFile(source.read(), name=question.image.name)
        except OSError:
            image = None  # the file is gone: the copy simply has no image
    return save_question(user, data, image=image)


def usage_blocking_delete(question: Question) -> list[str]:
    """Titles of the quizzes that keep ``question`` from being deleted.

    A question in any quiz stays: students' answers point at it, and a shared question may sit
    in a colleague's quiz, which deleting it would silently change. It has to be taken out of
    those quizzes first (a quiz students have taken keeps its questions for good)."""
    quizzes = (
        QuizQuestion.objects.filter(question=question)
        .select_related("quiz__lesson__section__course")
        .order_by("quiz__lesson__section__course__title", "quiz__lesson__title")
    )
    titles = [
        f"{item.quiz.lesson.section.course.title} · {item.quiz.lesson.title}" for item in quizzes
    ]
    if not titles and Answer.objects.filter(question=question).exists():
        titles.append(_("answers of past attempts"))
    return titles


def delete_question(user: User, question: Question) -> None:
    """Delete the owner's question unless a quiz uses it (``ValidationError`` says which)."""
    if not can_edit_question(user, question):
        raise ValidationError(_("Only the question's owner can delete it."))
    if blocking := usage_blocking_delete(question):
        raise ValidationError(
            _(
                "This question is used in %(quizzes)s, so it cannot be deleted. Take it out "
                "of them first."
            )
            % {"quizzes": ", ".join(blocking)}
        )
    image = question.image.name if question.image else ""
    storage = question.image.storage
    with transaction.atomic():
        question.delete()
        if image:
            transaction.on_commit(lambda: storage.delete(image))


# --- Images ---------------------------------------------------------------------------------


def check_image(upload) -> str:
    """The Pillow format of an uploaded question image; ``ValidationError`` when it is too large
    or not a picture a browser shows (the file is opened and fully decoded, so a renamed HTML or
    script file, or a truncated or oversized image, is refused)."""
    if upload.size > IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(mb)d MB.") % {"mb": IMAGE_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as picture:
            kind = picture.format
            pixels = picture.width * picture.height
            picture.verify()
        upload.seek(0)
        with Image.open(upload) as picture:
            picture.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("The file is not an image. Use a PNG, JPEG, GIF or WebP picture.")
        ) from error
    finally:
        upload.seek(0)
    if pixels > IMAGE_MAX_PIXELS:
        raise ValidationError(
            _("The image is too large: make it at most %(n)d million pixels.")
            % {"n": IMAGE_MAX_PIXELS // 1_000_000}
        )
    if kind not in IMAGE_TYPES:
        raise ValidationError(_("Use a PNG, JPEG, GIF or WebP picture."))
    return kind


def image_name(upload) -> str:
    """A random stored name with the suffix of the real format (never the uploader's name)."""
    kind = _image_format(upload)
    return f"{uuid.uuid4().hex}.{IMAGE_SUFFIX.get(kind or '', 'img')}"


def _image_format(file) -> str | None:
    try:
        file.seek(0)
        data = file.read()
        file.seek(0)
        with Image.open(io.BytesIO(data)) as picture:
            return picture.format
    except (OSError, ValueError):
        return None


def image_content_type(question: Question) -> str | None:
    """The type the stored image is served with, from its contents; ``None`` if unreadable."""
    try:
        with question.image.open("rb") as file:
            kind = _image_format(file)
    except (OSError, ValueError):
        return None
    return IMAGE_TYPES.get(kind or "")
