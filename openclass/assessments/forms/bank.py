"""Forms of the question bank: one question with its choices, the filters, the XLSX upload.
The rules for a question's content are ``bank.check_question``'s; the form only reads input."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from openclass.core.forms import get_field

from ..models import Question
from ..services import bank, bank_xlsx
from ..services.grading import format_number, parse_number

Kind = Question.Kind
DEFAULT_CHOICE_ROWS = 4
IMAGE_ACCEPT = ",".join(bank.IMAGE_TYPES.values())
TRUE_FALSE = [("true", _("True")), ("false", _("False"))]


class ChoiceRowForm(forms.Form):
    text = forms.CharField(label=_("Choice"), required=False, max_length=500)
    is_correct = forms.BooleanField(label=_("Correct"), required=False)


ChoiceFormSet = forms.formset_factory(
    ChoiceRowForm, extra=0, can_delete=True, max_num=bank.MAX_CHOICES, absolute_max=50
)


def choice_formset(data=None, question: Question | None = None, add_row: bool = False):
    """The choice rows: the question's own, or four blank ones; ``add_row`` adds one more (the
    "Add a choice" button works without JavaScript too)."""
    if data is not None:
        formset = ChoiceFormSet(data, prefix="choices")
        if add_row and formset.is_valid():
            rows = [
                {"text": row.get("text", ""), "is_correct": row.get("is_correct", False)}
                for row in formset.cleaned_data
                if row and not row.get("DELETE")
            ]
            rows.append({"text": "", "is_correct": False})
            return ChoiceFormSet(initial=rows[: bank.MAX_CHOICES], prefix="choices")
        return formset
    if question is not None and question.kind in Question.CHOICE_KINDS:
        initial = [{"text": c.text, "is_correct": c.is_correct} for c in question.choices.all()]
    else:
        initial = [{"text": "", "is_correct": False}] * DEFAULT_CHOICE_ROWS
    return ChoiceFormSet(initial=initial, prefix="choices")


class QuestionForm(forms.Form):
    """One question of any kind. The kind's own fields sit in fieldsets the page shows for that
    kind; what a kind does not use is ignored and cleared on save."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 4}))
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("Optional. A PNG, JPEG, GIF or WebP picture up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    image_alt = forms.CharField(
        label=_("Image description"),
        required=False,
        max_length=300,
        help_text=_("What the image shows, read aloud to students who cannot see it."),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)
    points = forms.DecimalField(
        label=_("Points"), initial=Decimal(1), min_value=0, max_digits=7, decimal_places=2
    )
    category = forms.CharField(
        label=_("Category"),
        required=False,
        max_length=80,
        help_text=_("A unit or topic, to find the question again (for example 1단원)."),
    )
    is_shared = forms.BooleanField(
        label=_("Share with my school"),
        required=False,
        help_text=_("Other teachers of your school can see and copy it; only you can change it."),
    )
    answer_true = forms.ChoiceField(
        label=_("The statement is"), choices=TRUE_FALSE, required=False, widget=forms.RadioSelect
    )
    accepted_answers = forms.CharField(
        label=_("Accepted answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Any of them is right."),
    )
    case_sensitive = forms.BooleanField(label=_("Upper and lower case must match"), required=False)
    ignore_spaces = forms.BooleanField(
        label=_("Ignore spaces (독도는 우리 땅 = 독도는우리땅)"), required=False, initial=True
    )
    numeric_answer = forms.CharField(
        label=_("Answer"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    tolerance = forms.CharField(
        label=_("Tolerance (±)"),
        required=False,
        max_length=40,
        initial="0",
        help_text=_("Answers this far from the answer, either way, are right too."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the correct answer."),
    )

    def __init__(self, *args, owner, question: Question | None = None, choices=None, **kwargs):
        if question is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = self.initial_of(question)
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.question = question
        self.choices = choices
        self.data_out: bank.QuestionData | None = None
        if question is None or not question.image:
            del self.fields["remove_image"]

    @staticmethod
    def initial_of(question: Question) -> dict:
        initial = {
            "kind": question.kind,
            "text": question.text,
            "points": question.points,
            "category": question.category,
            "is_shared": question.is_shared,
            "accepted_answers": "\n".join(question.accepted_answers or []),
            "case_sensitive": question.case_sensitive,
            "ignore_spaces": question.ignore_spaces,
            "explanation": question.explanation,
            "image_alt": question.image_alt,
            "tolerance": format_number(question.tolerance or 0),
        }
        if question.answer_true is not None:
            initial["answer_true"] = "true" if question.answer_true else "false"
        if question.numeric_answer is not None:
            initial["numeric_answer"] = format_number(question.numeric_answer)
        return initial

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            bank.check_image(upload)  # its ValidationError is the field's error
        return upload

    def _number(self, name: str, *, default: Decimal | None) -> Decimal | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return default
        number = parse_number(text)
        if number is None:
            self.add_error(name, _("Type a number, such as 3.5 or -2."))
        return number

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        if not kind or "text" not in cleaned or "points" not in cleaned:
            return cleaned
        choices = []
        if kind in Question.CHOICE_KINDS:
            if self.choices is None or not self.choices.is_valid():
                raise forms.ValidationError(_("Check the choices."))
            choices = [
                (row.get("text", ""), bool(row.get("is_correct")))
                for row in self.choices.cleaned_data
                if row and not row.get("DELETE")
            ]
        answer_true = {"true": True, "false": False}.get(cleaned.get("answer_true") or "")
        numeric = kind == Kind.NUMERIC
        numeric_answer = self._number("numeric_answer", default=None) if numeric else None
        # None when it is not a number: the field's error, and this data goes unused.
        tolerance = self._number("tolerance", default=Decimal(0)) if numeric else Decimal(0)
        data = bank.QuestionData(
            kind=kind,
            text=cleaned["text"],
            points=cleaned["points"],
            category=cleaned.get("category", ""),
            explanation=cleaned.get("explanation", ""),
            image_alt=cleaned.get("image_alt", ""),
            is_shared=cleaned.get("is_shared", False),
            choices=choices,
            answer_true=answer_true,
            accepted_answers=(cleaned.get("accepted_answers") or "").splitlines(),
            case_sensitive=cleaned.get("case_sensitive", False),
            ignore_spaces=cleaned.get("ignore_spaces", False),
            numeric_answer=numeric_answer,
            tolerance=Decimal(0) if tolerance is None else tolerance,
        )
        has_image = bool(cleaned.get("image")) or (
            self.question is not None
            and bool(self.question.image)
            and not cleaned.get("remove_image")
        )
        if has_image and not data.image_alt.strip():
            self.add_error("image_alt", _("Describe the image for students who cannot see it."))
        if self.errors:
            return cleaned
        for name, message in bank.check_question(data, self.owner):
            self.add_error(None if name == "choices" else name, message)
        self.data_out = data
        return cleaned

    def save(self) -> Question:
        assert self.data_out is not None  # set by clean() of a valid form
        return bank.save_question(
            self.owner,
            self.data_out,
            question=self.question,
            image=self.cleaned_data.get("image") or None,
            remove_image=self.cleaned_data.get("remove_image", False),
        )


class BankFilterForm(forms.Form):
    WHOSE = [("", _("Mine and shared")), ("mine", _("Mine")), ("shared", _("Shared by colleagues"))]

    q = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    whose = forms.ChoiceField(label=_("Whose"), required=False, choices=WHOSE)

    def __init__(self, *args, categories: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        get_field(self, "kind", forms.ChoiceField).choices = [("", _("All kinds")), *Kind.choices]
        get_field(self, "category", forms.ChoiceField).choices = [("", _("All categories"))] + [
            (c, c) for c in categories
        ]

    def apply(self, questions, user):
        if not self.is_valid():
            return questions
        data = self.cleaned_data
        if data["q"]:
            questions = questions.filter(text__icontains=data["q"])
        if data["kind"]:
            questions = questions.filter(kind=data["kind"])
        if data["category"]:
            questions = questions.filter(category=data["category"])
        if data["whose"] == "mine":
            questions = questions.filter(owner=user)
        elif data["whose"] == "shared":
            questions = questions.exclude(owner=user)
        return questions


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Question file (.xlsx)"),
        error_messages={
            "empty": _("The file is empty. Choose the question file and upload it again."),
            "required": _("Choose the question file to upload."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bank_xlsx.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB. Split it into smaller files.")
                % {"mb": bank_xlsx.MAX_BYTES // (1024 * 1024)}
            )
        return upload
