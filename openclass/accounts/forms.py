"""Forms of the accounts pages: signing in (a password, a login card's PIN) and the roster
file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core import validators
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openclass.core.forms import get_field

from .models import Organisation, User
from .services import roster


class LoginForm(AuthenticationForm):
    remember = forms.BooleanField(
        label=_("Keep me signed in on this device"),
        help_text=_("Untick this on a shared computer."),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        # Django's form only tells the browser the limit (maxlength); a longer name went on to
        # authenticate() and into axes's record of the failure, a 500 on PostgreSQL past 255.
        limit = self.username_field.max_length or 254
        self.fields["username"].validators.append(validators.MaxLengthValidator(limit))
        # Autofocus would jump past the skip link and the language switch for keyboard users.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class LoginCardPinForm(forms.Form):
    pin = forms.RegexField(
        label=_("PIN"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Type the 4 digits on your card.")},
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "4"}
        ),
    )


class RosterUploadForm(forms.Form):
    """The roster file, and the school when the admin manages more than one (office admins)."""

    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose a school"),
    )
    file = forms.FileField(
        label=_("Roster file"),
        error_messages={
            "empty": _("The file is empty. Choose the roster file and upload it again."),
            "required": _("Choose the roster file to upload."),
        },
        help_text=_(
            "A CSV file or an Excel workbook (.xlsx). The first row names the columns: "
            "이름, 학년, 반, 번호, and optionally 학부모 연락처 and 아이디."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,.txt,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(
        self,
        *args,
        schools: QuerySet[Organisation],
        columns: roster.Columns = roster.STUDENT_COLUMNS,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        get_field(self, "school", forms.ModelChoiceField).queryset = schools.order_by("name")
        only = list(schools[:2])
        self.single_school: Organisation | None = only[0] if len(only) == 1 else None
        if self.single_school is not None:
            del self.fields["school"]
        self.columns = columns
        if columns is not roster.STUDENT_COLUMNS:
            self.fields["file"].label = _("File")
            self.fields["file"].help_text = _(
                "A CSV file or an Excel workbook (.xlsx) whose first row names the columns."
            )
        self.roster: roster.RosterFile | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Check that you chose the roster file.")
                % {"size": max(1, settings.ROSTER_MAX_BYTES // (1024 * 1024))}
            )
        try:
            self.roster = roster.read_roster(upload.read(), self.columns)
        except roster.RosterFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        school = self.single_school or cleaned.get("school")
        if school is not None and not school.code:
            # Student user names are "<school code>-0001": without a code there are none to give.
            raise forms.ValidationError(
                _(
                    "This school has no code yet, so its students cannot get user names. Ask "
                    "the office of education to set the school's code first."
                )
            )
        return cleaned

    def chosen_school(self) -> Organisation:
        return self.single_school or self.cleaned_data["school"]


class OrganisationForm(forms.Form):
    """A node's name and number (grades and classes), code and level (schools), and where it
    sits (``parent``: moving it). Only the fields its kind has are shown."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Grade or class number: 3 for 3학년, 10 for 10반."),
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("Short Latin code of a school, the prefix of its people's user names."),
    )
    school_level = forms.ChoiceField(
        label=_("School level"),
        choices=[("", "—"), *Organisation.SchoolLevel.choices],
        required=False,
    )
    parent = forms.ModelChoiceField(
        label=_("Sits under"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(
        self,
        *args,
        kind: str,
        parents: QuerySet[Organisation] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        numbered = kind in (Organisation.Kind.GRADE, Organisation.Kind.CLASS)
        if numbered:
            get_field(self, "number", forms.IntegerField).required = True
            self.fields["name"].help_text = _("Left empty: named by its number (3학년, 10반).")
        else:
            del self.fields["number"]
            self.fields["name"].required = True
        if kind != Organisation.Kind.SCHOOL:
            del self.fields["code"]
            del self.fields["school_level"]
        if parents is None:
            del self.fields["parent"]
        else:
            field = get_field(self, "parent", forms.ModelChoiceField)
            field.queryset = parents
            field.required = True

    def values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        if "school_level" in data and data["school_level"] is None:
            data["school_level"] = ""
        return data


class StaffForm(forms.Form):
    """A staff account: name, role (the office: teacher or school admin), school, contacts."""

    name = forms.CharField(label=_("Name"), max_length=60)
    username = forms.CharField(
        label=_("User name"),
        max_length=40,
        required=False,
        help_text=_("Left empty on a new account: the school's code and the next number (t07)."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    school = forms.ModelChoiceField(label=_("School"), queryset=Organisation.objects.none())
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def __init__(
        self, *args, roles: tuple[str, ...], schools: QuerySet[Organisation], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(User.Role.choices)
        get_field(self, "role", forms.ChoiceField).choices = [(r, labels[r]) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]
            self.fields["role"].widget = forms.HiddenInput()
        get_field(self, "school", forms.ModelChoiceField).queryset = schools.order_by("name")
        only = list(schools[:2])
        if len(only) == 1:
            self.fields["school"].initial = only[0].pk
            self.fields["school"].widget = forms.HiddenInput()


class AssignmentForm(forms.Form):
    klass = forms.ModelChoiceField(label=_("Class"), queryset=Organisation.objects.none())
    subject = forms.CharField(
        label=_("Subject"),
        max_length=40,
        required=False,
        help_text=_("영어, 과학 … Leave empty for homeroom only."),
    )
    is_homeroom = forms.BooleanField(label=_("Homeroom teacher (담임)"), required=False)

    def __init__(self, *args, classes: QuerySet[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        get_field(self, "klass", forms.ModelChoiceField).queryset = classes
