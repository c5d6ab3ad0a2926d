"""Automatic grading of one response to one question.

Responses come in the JSON shapes documented on ``Question`` (``Answer.response``):
``{"choice": id}`` (single), ``{"choices": [id, …]}`` (multiple), ``{"value": true}``
(true/false), ``{"text": "…"}`` (short, numeric as typed, essay).

Every function here is total: a missing, empty or malformed response (a tampered request, a
dropped field, a wrong type) earns 0 and never raises, because grading runs when an attempt is
submitted or its time runs out and must not fail half-way. Scores are ``Decimal`` to two places,
like every points field.

The rules, decided once for every quiz:

- **single**: full points when the picked choice is a correct choice of the question.
- **multiple** (partial credit, Moodle's rule): with ``n`` correct choices, each correct choice
  picked earns ``points / n`` and each wrong choice picked costs ``points / n``; the total is
  never below 0. Picking every choice therefore earns nothing unless every choice is correct,
  and picking nothing earns 0. Ids that are not choices of the question are ignored.
- **true/false**: full points when ``{"value": …}`` is the boolean ``answer_true``.
- **short**: full points when the normalised text equals one normalised accepted answer (see
  ``normalise_short``).
- **numeric**: full points when the typed number lies within ``numeric_answer ± tolerance``,
  bounds included, compared in decimal arithmetic (see ``parse_number``).
- **essay**: ``None``, graded by the teacher.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openclass.core.params import parse_int

from ..models import Question

Kind = Question.Kind
CENT = Decimal("0.01")

# Characters that are invisible yet typed or pasted into answers (zero-width space and joiners,
# byte order mark, Hangul fillers): they never make an answer different.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u3164\u115f\u1160"), None)
_SPACES = re.compile(r"\s+")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _as_dict(response: Any) -> dict:
    return response if isinstance(response, dict) else {}


def _as_id(value: Any) -> int | None:
    """A choice id from JSON: an int, or a string of digits (form posts); never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return parse_int(value)
    return None


def _choices(question: Question) -> list:
    # .all() uses a prefetch (``prefetch_related("choices")``) when the caller made one.
    return list(question.choices.all())


def picked_choice_ids(question: Question, response: Any) -> list[int]:
    """The ids of the question's own choices that the response picks, in the question's order
    (for item statistics: which wrong choice was picked). Empty for other kinds."""
    data = _as_dict(response)
    raw: list[Any]
    if question.kind == Kind.SINGLE:
        raw = [data.get("choice")]
    elif question.kind == Kind.MULTIPLE:
        choices = data.get("choices")
        if not isinstance(choices, list):
            return []
        raw = choices
    else:
        return []
    wanted = {_as_id(value) for value in raw} - {None}
    return [choice.pk for choice in _choices(question) if choice.pk in wanted]


def normalise_short(
    text: object, *, case_sensitive: bool = False, ignore_spaces: bool = True
) -> str:
    """The form of a short answer that is compared.

    - Unicode NFKC: full-width letters and digits ("ＡＢＣ１２３") become half-width, compatibility
      jamo and decomposed Hangul compose into the same syllables, ligatures split.
    - Invisible characters (zero-width spaces, BOM, Hangul fillers) are dropped.
    - Leading and trailing whitespace is trimmed; inner runs of whitespace become one space, or
      are removed entirely when ``ignore_spaces`` (Korean spacing, 띄어쓰기, varies: "독도는 우리
      땅" and "독도는우리땅" are the same answer).
    - Case is folded (``str.casefold``, so "Straße" equals "STRASSE") unless ``case_sensitive``.
    """
    if not isinstance(text, str):
        return ""
    value = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    value = _SPACES.sub("" if ignore_spaces else " ", value).strip()
    if not case_sensitive:
        value = unicodedata.normalize("NFKC", value.casefold())
    return value


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d{1,4})?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def parse_number(text: Any) -> Decimal | None:
    """The number a student typed, exactly, or ``None`` when it is not one.

    Accepted: surrounding spaces, full-width digits ("３．５"), a leading + or − (also the
    typographic minus "−"), a decimal point, an exponent ("1.5e3"), and commas as thousands
    separators when they group digits by three ("1,000", "12,345.5"), as written in Korea.
    A single comma that does not group by three is read as a decimal comma ("3,5" is 3.5), the
    way a European keyboard types it; any other comma, letters, units, fractions ("½"), NaN and
    infinity are not numbers. A JSON number (not a bool) is accepted as well.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        text = repr(text)
    if not isinstance(text, str):
        return None
    value = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()
    value = value.replace("\u2212", "-").replace("\ufe63", "-").lower()
    value = _SPACES.sub("", value) if re.fullmatch(r"[+-]\s+\d.*", value) else value
    if _THOUSANDS.fullmatch(value):
        value = value.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(value):
        value = value.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(value):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _exact(value: float | None) -> Decimal | None:
    """A stored float as the decimal a teacher typed: ``repr`` is the shortest string that reads
    back as the same float, so 0.1 is Decimal("0.1"), not 0.1000000000000000055…"""
    if value is None:
        return None
    number = Decimal(repr(float(value)))
    return number if number.is_finite() else None


def _fraction(question: Question, response: Any) -> Decimal:
    """The share of the points earned, between 0 and 1, for an auto-graded kind."""
    data = _as_dict(response)
    kind = question.kind
    if kind in Question.CHOICE_KINDS:
        choices = _choices(question)
        correct = {choice.pk for choice in choices if choice.is_correct}
        picked = set(picked_choice_ids(question, data))
        if not correct or not picked:
            return Decimal(0)
        if kind == Kind.SINGLE:
            return Decimal(1) if picked <= correct else Decimal(0)
        right = len(picked & correct)
        wrong = len(picked - correct)
        return max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct)))
    if kind == Kind.TRUE_FALSE:
        value = data.get("value")
        if not isinstance(value, bool) or question.answer_true is None:
            return Decimal(0)
        return Decimal(1) if value == question.answer_true else Decimal(0)
    if kind == Kind.SHORT:
        rules = {"case_sensitive": question.case_sensitive, "ignore_spaces": question.ignore_spaces}
        given = normalise_short(data.get("text"), **rules)
        if not given:
            return Decimal(0)
        accepted = question.accepted_answers if isinstance(question.accepted_answers, list) else []
        matches = any(given == normalise_short(answer, **rules) for answer in accepted)
        return Decimal(1) if matches else Decimal(0)
    if kind == Kind.NUMERIC:
        number = parse_number(data.get("text"))
        answer = _exact(question.numeric_answer)
        if number is None or answer is None:
            return Decimal(0)
        tolerance = abs(_exact(question.tolerance) or Decimal(0))
        return Decimal(1) if abs(number - answer) <= tolerance else Decimal(0)
    return Decimal(0)


def grade(question: Question, response: Any, points: Decimal) -> Decimal | None:
    """Points earned by ``response`` out of ``points`` (the quiz item's points), to two places;
    ``None`` for an essay, which the teacher grades. See the module docstring for the rules."""
    if question.kind == Kind.ESSAY:
        return None
    points = Decimal(points)
    if points <= 0:
        return Decimal("0.00")
    return _cents(points * Decimal(_fraction(question, response)))


def is_correct(question: Question, response: Any) -> bool | None:
    """Whether the response earns full points (for "% correct" in item statistics); ``None``
    for an essay. A partly right multiple-answer response is not correct."""
    if question.kind == Kind.ESSAY:
        return None
    return _fraction(question, response) == 1


def is_blank(response: Any) -> bool:
    """Whether the student gave no answer at all (shown apart from a wrong one)."""
    data = _as_dict(response)
    if "choice" in data:
        return _as_id(data["choice"]) is None
    if "choices" in data:
        return not data["choices"]
    if "value" in data:
        return not isinstance(data["value"], bool)
    if "text" in data:
        text = data["text"]
        return not (isinstance(text, int | float) and not isinstance(text, bool)) and not (
            isinstance(text, str) and text.strip()
        )
    return True


def correct_answer_text(question: Question) -> str:
    """The right answer in words, for a results page that reveals answers ("" for an essay)."""
    from django.utils.translation import gettext as _

    if question.kind in Question.CHOICE_KINDS:
        return ", ".join(c.text for c in _choices(question) if c.is_correct)
    if question.kind == Kind.TRUE_FALSE:
        if question.answer_true is None:
            return ""
        return _("True") if question.answer_true else _("False")
    if question.kind == Kind.SHORT:
        answers = question.accepted_answers if isinstance(question.accepted_answers, list) else []
        return " / ".join(str(answer) for answer in answers)
    if question.kind == Kind.NUMERIC:
        answer = _exact(question.numeric_answer)
        if answer is None:
            return ""
        tolerance = _exact(question.tolerance) or Decimal(0)
        text = format_number(answer)
        return f"{text} ± {format_number(tolerance)}" if tolerance else text
    return ""


def format_number(value: Decimal | float) -> str:
    """A number without a useless exponent or trailing zeros: 3.50 → "3.5", 1E+3 → "1000"."""
    number = value if isinstance(value, Decimal) else _exact(value)
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text
