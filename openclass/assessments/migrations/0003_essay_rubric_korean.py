"""The 사이버논술 starting rubric in Korean where it was made in English (issue 18).

Its strings were marked with an alias ``makemessages`` does not know, so they never reached the
Korean catalogue and every rubric made from the template (the demo's among them) was stored in
English. Rubrics made from it (and their copies) get the Korean wording wherever their text is
still the template's English word for word; whatever a teacher already changed stays as it is.
The wording is frozen here: later changes to the template do not change what this migration did.
"""

from django.db import migrations

TITLE = "Online essay (사이버논술) rubric"

KOREAN = {
    TITLE: "사이버논술 루브릭",
    "Four criteria of 25 points each, four levels per criterion. Adjust the wording and the "
    "points to your class before using it.": "평가 요소 4개(각 25점)에 요소마다 4단계 수준으로 "
    "되어 있습니다. 사용하기 전에 학급에 맞게 문구와 점수를 고쳐 쓰세요.",
    "Understanding the question": "논제 이해",
    "Grasps what the question asks and answers that question.": (
        "논제가 요구하는 바를 파악하고 그에 맞게 답함."
    ),
    "Excellent": "매우 잘함",
    "Good": "잘함",
    "Fair": "보통",
    "Needs work": "노력 필요",
    "Answers every part of the question exactly.": "논제의 모든 요구에 정확하게 답함.",
    "Understands the question; one part is answered loosely.": (
        "논제를 이해했으나 한 부분의 답이 정확하지 않음."
    ),
    "Understands part of the question and drifts from it.": (
        "논제를 일부만 이해하여 논점에서 벗어남."
    ),
    "Misreads the question or answers another one.": "논제를 잘못 이해하거나 다른 내용을 답함.",
    "Logical development": "논리적 전개",
    "A clear claim, developed in order from introduction to conclusion.": (
        "분명한 주장을 서론부터 결론까지 순서 있게 전개함."
    ),
    "Clear claim; every paragraph leads to the conclusion.": (
        "주장이 분명하고 모든 문단이 결론으로 이어짐."
    ),
    "Clear claim; the order breaks in one place.": "주장은 분명하나 한 곳에서 흐름이 끊김.",
    "The claim is vague or the paragraphs do not connect.": (
        "주장이 모호하거나 문단 사이의 연결이 부족함."
    ),
    "No claim can be found, or it contradicts itself.": (
        "주장을 찾을 수 없거나 주장이 스스로 모순됨."
    ),
    "Use of evidence": "근거 활용",
    "Reasons, examples and sources that support the claim.": (
        "주장을 뒷받침하는 이유, 사례, 출처를 제시함."
    ),
    "Relevant, varied evidence for every point.": "모든 논점에 적절하고 다양한 근거를 제시함.",
    "Relevant evidence for most points.": "대부분의 논점에 적절한 근거를 제시함.",
    "Little evidence, or evidence that does not fit.": "근거가 부족하거나 주장과 맞지 않음.",
    "Opinions only, without evidence.": "근거 없이 의견만 제시함.",
    "Expression": "표현",
    "Spelling and spacing, sentence structure, word choice and the required length.": (
        "맞춤법과 띄어쓰기, 문장 구성, 어휘 선택, 요구 분량 준수."
    ),
    "Accurate, clear sentences of the required length.": (
        "문장이 정확하고 명료하며 요구 분량을 채움."
    ),
    "A few errors that do not hinder reading.": "읽는 데 지장이 없는 오류가 몇 군데 있음.",
    "Frequent errors or noticeably short.": "오류가 잦거나 분량이 눈에 띄게 부족함.",
    "Errors make it hard to read.": "오류가 많아 읽기 어려움.",
}


def _swap(apps, words: dict[str, str], title: str) -> None:
    Rubric = apps.get_model("assessments", "Rubric")
    RubricCriterion = apps.get_model("assessments", "RubricCriterion")
    RubricLevel = apps.get_model("assessments", "RubricLevel")

    def renamed(text: str) -> str:
        return words.get(text, text)

    # The ids first: the titles this query matches on are about to change.
    rubrics = list(Rubric.objects.filter(title__startswith=title))
    for rubric in rubrics:
        new_title = words[title] + rubric.title[len(title) :]
        rubric.title = new_title[:120]
        rubric.description = renamed(rubric.description)
        rubric.save(update_fields=["title", "description"])
    for criterion in RubricCriterion.objects.filter(rubric__in=rubrics):
        criterion.title = renamed(criterion.title)
        criterion.description = renamed(criterion.description)
        criterion.save(update_fields=["title", "description"])
    for level in RubricLevel.objects.filter(criterion__rubric__in=rubrics):
        level.title = renamed(level.title)
        level.description = renamed(level.description)
        level.save(update_fields=["title", "description"])


def to_korean(apps, schema_editor) -> None:
    _swap(apps, KOREAN, TITLE)


def to_english(apps, schema_editor) -> None:
    _swap(apps, {korean: english for english, korean in KOREAN.items()}, KOREAN[TITLE])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_updated_at")]

    operations = [migrations.RunPython(to_korean, to_english)]
