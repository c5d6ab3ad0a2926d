"""Automatic grading of every question kind, with the edge cases that matter at school: Korean
spacing variants, full-width input, numeric tolerance bounds and float error, tampered responses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclass.assessments.models import Question
from openclass.assessments.services.grading import (
    correct_answer_text,
    format_number,
    grade,
    is_blank,
    is_correct,
    normalise_short,
    parse_number,
    picked_choice_ids,
)
from openclass.assessments.tests.fixtures import make_question

pytestmark = pytest.mark.django_db
ONE = Decimal(1)
FIXTURE_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Anything a tampered request could send as a response.
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["choice", "choices", "value", "text", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)


def ids(question: Question) -> dict[str, int]:
    return {choice.text: choice.pk for choice in question.choices.all()}


# -- single ---------------------------------------------------------------------------------


def test_single_choice(bank):
    choice = ids(bank.single)
    assert grade(bank.single, {"choice": choice["5"]}, ONE) == Decimal("1.00")
    assert grade(bank.single, {"choice": str(choice["5"])}, ONE) == ONE  # from a form post
    assert grade(bank.single, {"choice": choice["4"]}, ONE) == 0
    assert grade(bank.single, {"choice": choice["5"]}, Decimal("2.5")) == Decimal("2.50")
    assert is_correct(bank.single, {"choice": choice["5"]}) is True
    assert is_correct(bank.single, {"choice": choice["6"]}) is False
    assert picked_choice_ids(bank.single, {"choice": choice["6"]}) == [choice["6"]]


def test_single_choice_refuses_foreign_and_malformed_ids(bank):
    other = make_question(bank.owner, Question.Kind.SINGLE, "?", [("x", True), ("y", False)])
    foreign = ids(other)["x"]  # correct, but in another question
    for response in [{"choice": foreign}, {"choice": True}, {"choice": [1]}, {"choices": [1]}]:
        assert grade(bank.single, response, ONE) == 0
    assert picked_choice_ids(bank.single, {"choice": foreign}) == []


# -- multiple -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("picked", "earned"),
    [
        (["2", "3"], "2.00"),  # both correct
        (["2"], "1.00"),  # half the correct ones
        (["2", "3", "4"], "1.00"),  # 2 right, 1 wrong: (2 - 1) / 2
        (["2", "4"], "0.00"),  # 1 right, 1 wrong
        (["4", "9"], "0.00"),  # never below zero
        (["2", "3", "4", "9"], "0.00"),  # ticking everything earns nothing
        ([], "0.00"),
    ],
)
def test_multiple_answers_partial_credit(bank, picked, earned):
    choice = ids(bank.multiple)
    response = {"choices": [choice[text] for text in picked]}
    assert grade(bank.multiple, response, Decimal(2)) == Decimal(earned)
    assert is_correct(bank.multiple, response) is (earned == "2.00")


def test_multiple_answers_ignore_duplicates_and_foreign_ids(bank):
    choice = ids(bank.multiple)
    duplicated = {"choices": [choice["2"], choice["2"], choice["2"]]}
    assert grade(bank.multiple, duplicated, Decimal(2)) == Decimal(1)
    foreign = {"choices": [choice["2"], choice["3"], 10**9, "x", None]}
    assert grade(bank.multiple, foreign, Decimal(2)) == Decimal(2)
    assert picked_choice_ids(bank.multiple, foreign) == [choice["2"], choice["3"]]


def test_multiple_answers_thirds_round_to_cents(bank):
    question = make_question(
        bank.owner, Question.Kind.MULTIPLE, "?", [("a", True), ("b", True), ("c", True)]
    )
    choice = ids(question)
    assert grade(question, {"choices": [choice["a"]]}, ONE) == Decimal("0.33")
    assert grade(question, {"choices": [choice["a"], choice["b"]]}, ONE) == Decimal("0.67")
    assert grade(question, {"choices": list(choice.values())}, ONE) == ONE


@FIXTURE_SETTINGS
@given(picks=st.lists(st.integers(min_value=0, max_value=3), max_size=6), points=st.integers(0, 50))
def test_multiple_answers_stay_between_zero_and_full(bank, picks, points):
    choices = list(bank.multiple.choices.all())
    response = {"choices": [choices[i].pk for i in picks]}
    earned = grade(bank.multiple, response, Decimal(points))
    assert 0 <= earned <= points
    assert (earned == points and points > 0) == (
        {choices[i].text for i in picks} == {"2", "3"} and points > 0
    )


# -- true / false ---------------------------------------------------------------------------


def test_true_false(bank):
    assert grade(bank.true_false, {"value": True}, ONE) == ONE
    assert grade(bank.true_false, {"value": False}, ONE) == 0
    for response in [{"value": "true"}, {"value": 1}, {"value": None}, {}]:
        assert grade(bank.true_false, response, ONE) == 0
    unset = make_question(bank.owner, Question.Kind.TRUE_FALSE, "?")  # answer_true is None
    assert grade(unset, {"value": False}, ONE) == 0


# -- short answer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "독도는 우리 땅",
        "독도는우리땅",
        "  독도는   우리땅 ",
        "독도 는 우 리 땅",
        "독도는\u200b우리\u3000땅",  # zero-width and ideographic spaces
        "\u1103\u1169\u11a8\u1103\u1169\u1102\u1173\u11ab 우리 땅",  # decomposed Hangul (macOS)
        "dokdo",
        "ＤＯＫＤＯ",  # full-width
        " DoKdO\n",
    ],
)
def test_short_answer_variants_accepted(bank, typed):
    assert grade(bank.short, {"text": typed}, ONE) == ONE


@pytest.mark.parametrize("typed", ["독도는 일본 땅", "독도", "dok do x", "", "   ", None, 5])
def test_short_answer_wrong_or_blank(bank, typed):
    assert grade(bank.short, {"text": typed}, ONE) == 0


def test_short_answer_case_and_space_rules(bank):
    strict = make_question(
        bank.owner,
        Question.Kind.SHORT,
        "Chemical symbol of sodium",
        accepted_answers=["Na", "Natrium Na"],
        case_sensitive=True,
        ignore_spaces=False,
    )
    assert grade(strict, {"text": "Na"}, ONE) == ONE
    assert grade(strict, {"text": "ＮＡ"}, ONE) == 0  # case kept, after width is folded
    assert grade(strict, {"text": "na"}, ONE) == 0
    assert grade(strict, {"text": "Natrium   Na "}, ONE) == ONE  # runs of spaces collapse
    assert grade(strict, {"text": "NatriumNa"}, ONE) == 0  # but a space cannot be dropped


def test_short_answer_ignores_blank_accepted_variants(bank):
    question = make_question(bank.owner, Question.Kind.SHORT, "?", accepted_answers=["", "  "])
    assert grade(question, {"text": ""}, ONE) == 0
    assert grade(question, {"text": " "}, ONE) == 0


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_space_blind(text):
    once = normalise_short(text)
    assert normalise_short(once) == once
    assert not any(character.isspace() for character in once)
    assert normalise_short(" ".join(text)) == once


# -- numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3.5", "3.5"),
        (" 3.50 ", "3.50"),
        ("-2", "-2"),
        ("+2", "2"),
        ("−2", "-2"),  # typographic minus
        ("1,000", "1000"),
        ("12,345.5", "12345.5"),
        ("1,000,000", "1000000"),
        ("3,5", "3.5"),  # a decimal comma
        ("３．１４", "3.14"),  # full-width
        (".5", "0.5"),
        ("5.", "5"),
        ("1.5e3", "1500"),
        (7, "7"),
        (0.25, "0.25"),
    ],
)
def test_parse_number_reads_what_students_type(typed, value):
    assert parse_number(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed",
    ["", " ", "abc", "1.2.3", "1,00,0", "3 cm", "½", "nan", "inf", "-", "1e99999", True, None, []],
)
def test_parse_number_refuses_what_is_not_a_number(typed):
    assert parse_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "earned"),
    [
        ("3.14", 1),
        ("3.13", 1),  # lower bound included
        ("3.15", 1),  # upper bound included
        ("3.1500", 1),
        ("3.12", 0),
        ("3.16", 0),
        ("3.150001", 0),
        ("３．１４", 1),
        ("pi", 0),
        ("", 0),
    ],
)
def test_numeric_tolerance_is_inclusive(bank, typed, earned):
    assert grade(bank.numeric, {"text": typed}, ONE) == earned


def test_numeric_is_robust_to_float_error(bank):
    # 0.1 + 0.2 is 0.30000000000000004 in floats; answers and tolerances are compared as the
    # decimals the teacher typed, so the bounds hold exactly.
    question = make_question(
        bank.owner, Question.Kind.NUMERIC, "0.1 + 0.2", numeric_answer=0.1 + 0.2, tolerance=0
    )
    question.numeric_answer = 0.3
    assert grade(question, {"text": "0.3"}, ONE) == ONE
    question.numeric_answer, question.tolerance = 1.1, 0.1
    assert grade(question, {"text": "1.2"}, ONE) == ONE  # 1.2 - 1.1 > 0.1 in floats
    assert grade(question, {"text": "1.0"}, ONE) == ONE
    assert grade(question, {"text": "1.2000001"}, ONE) == 0
    question.numeric_answer = None
    assert grade(question, {"text": "1"}, ONE) == 0


@FIXTURE_SETTINGS
@given(
    answer=st.decimals(min_value=-10_000, max_value=10_000, places=3),
    tolerance=st.decimals(min_value=0, max_value=100, places=2),
    offset=st.decimals(min_value=-200, max_value=200, places=3),
)
def test_numeric_matches_exact_interval(bank, answer, tolerance, offset):
    question = bank.numeric
    question.numeric_answer, question.tolerance = float(answer), float(tolerance)
    typed = answer + offset
    expected = ONE if abs(offset) <= tolerance else 0
    assert grade(question, {"text": str(typed)}, ONE) == expected


# -- essay and every kind -------------------------------------------------------------------


def test_essay_waits_for_the_teacher(bank):
    assert grade(bank.essay, {"text": "긴 글"}, Decimal(2)) is None
    assert is_correct(bank.essay, {"text": "긴 글"}) is None


@FIXTURE_SETTINGS
@given(response=junk)
def test_any_response_grades_without_error(bank, response):
    for question in bank.questions:
        earned = grade(question, response, Decimal(3))
        if question.kind == Question.Kind.ESSAY:
            assert earned is None
        else:
            assert Decimal(0) <= earned <= Decimal(3)
            assert earned == earned.quantize(Decimal("0.01"))
        picked_choice_ids(question, response)
        is_blank(response)


def test_empty_response_earns_zero_for_every_objective_kind(bank):
    for question in bank.questions:
        if question.is_auto_graded:
            for response in [{}, None, [], "x"]:
                assert grade(question, response, ONE) == 0
                assert is_correct(question, response) is False


def test_zero_points_earn_zero(bank):
    assert grade(bank.true_false, {"value": True}, Decimal(0)) == 0


def test_is_blank():
    assert is_blank({}) and is_blank(None) and is_blank({"text": "  "})
    assert is_blank({"choices": []}) and is_blank({"choice": None}) and is_blank({"value": None})
    assert not is_blank({"text": "0"}) and not is_blank({"value": False})
    assert not is_blank({"choice": 3}) and not is_blank({"choices": [3]})


def test_correct_answer_text(bank):
    assert correct_answer_text(bank.single) == "5"
    assert correct_answer_text(bank.multiple) == "2, 3"
    with translation.override("en"):
        assert correct_answer_text(bank.true_false) == "True"
    with translation.override("ko"):
        assert correct_answer_text(bank.true_false) == "참"
    assert correct_answer_text(bank.short) == "독도는 우리 땅 / Dokdo"
    assert correct_answer_text(bank.numeric) == "3.14 ± 0.01"
    assert correct_answer_text(bank.essay) == ""
    assert format_number(Decimal("1E+3")) == "1000"
    assert format_number(2.50) == "2.5"


# -- properties over what students type -----------------------------------------------------

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
WORDS = st.text(alphabet=st.one_of(HANGUL, st.sampled_from("abcXYZ019")), min_size=1, max_size=12)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@FIXTURE_SETTINGS
@given(words=st.lists(WORDS, min_size=1, max_size=4), data=st.data())
def test_any_spacing_case_and_width_of_an_accepted_answer_is_right(bank, words, data):
    question = bank.short
    question.accepted_answers = [" ".join(words)]
    typed = ""
    for word in words:
        word = data.draw(st.sampled_from([word, word.upper(), word.lower(), full_width(word)]))
        typed += word + data.draw(st.sampled_from(["", " ", "  ", "\u3000", "\t"]))
    assert grade(question, {"text": typed}, ONE) == ONE


@FIXTURE_SETTINGS
@given(words=st.lists(WORDS, min_size=1, max_size=3), extra=WORDS)
def test_an_answer_with_anything_added_is_wrong(bank, words, extra):
    question = bank.short
    question.accepted_answers = [" ".join(words)]
    assert grade(question, {"text": " ".join(words) + extra}, ONE) == 0


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12))
def test_parse_number_reads_back_any_plain_decimal(number):
    assert parse_number(str(number)) == number
    assert parse_number(f" {number} ") == number


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_number_reads_thousands_separators(number):
    assert parse_number(f"{number:,}") == number
    assert parse_number(full_width(f"{number:,}")) == number
