from __future__ import annotations

import math
import re

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation, User
from openclass.core.forms import get_field
from openclass.media import access as media_access

from .access import openable_organisations
from .models import Course, Lesson, Section, Session

SPEED_CHOICES = [(0.75, "0.75×"), (1.0, "1×"), (1.25, "1.25×"), (1.5, "1.5×"), (2.0, "2×")]


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.full_name


class CourseForm(forms.ModelForm):
    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Opened for"),
        help_text=_("The whole office, a school, a grade or a class: who can find the course."),
    )
    allowed_speeds = forms.TypedMultipleChoiceField(
        label=_("Allowed playback speeds"),
        choices=SPEED_CHOICES,
        coerce=float,
        initial=[1.0, 1.25, 1.5],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "summary",
            "topic",
            "content_elements",
            "audience",
            "organisation",
            "arrangement",
            "delivery",
            "opens_on",
            "closes_on",
            "self_enrolment",
            "no_skip",
            "allowed_speeds",
            "completion_threshold",
            "attendance_needs_completion",
            "late_days",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "content_elements": forms.CheckboxSelectMultiple,
            "audience": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        openable = openable_organisations(user)
        if self.instance.pk:
            # A course stays where it was opened even when its editor (an instructor who runs
            # it) may open courses nowhere; moving it takes somewhere they may open one.
            openable = openable | Organisation.objects.filter(pk=self.instance.organisation_id)
        # Each choice is labelled with its full name (school, grade, class).
        get_field(self, "organisation", forms.ModelChoiceField).queryset = openable.select_related(
            "parent__parent"
        )
        # A ModelForm's fields for a foreign key and a many-to-many always have a queryset.
        topic = get_field(self, "topic", forms.ModelChoiceField)
        assert topic.queryset is not None
        topic.queryset = topic.queryset.order_by("kind", "position")
        if "content_elements" in self.fields:
            elements = get_field(self, "content_elements", forms.ModelMultipleChoiceField)
            assert elements.queryset is not None
            elements.queryset = elements.queryset.select_related("topic").order_by(
                "topic__kind", "topic__position", "position"
            )

    def element_groups(self) -> list[dict]:
        """The content-element checkboxes grouped by their topic (area), for the picker: each
        group a ``<fieldset>`` without script, filtered by a search box with it."""
        groups: dict[int, dict] = {}
        for option in self["content_elements"]:
            element = option.data["value"].instance
            group = groups.setdefault(
                element.topic_id, {"topic": element.topic, "options": [], "checked": 0}
            )
            group["options"].append(option)
            group["checked"] += bool(option.data["selected"])
        return list(groups.values())

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        organisation = cleaned.get("organisation")
        if organisation is not None:
            kind_to_scope = {kind: scope for scope, kind in Course.SCOPE_KIND.items()}
            self.instance.scope = kind_to_scope[organisation.kind]
        elements = cleaned.get("content_elements")
        topic = cleaned.get("topic")
        if elements and topic and any(e.topic_id != topic.pk for e in elements):
            self.add_error(
                "content_elements", _("Choose content elements of the course's topic only.")
            )
        return cleaned


class NewCourseForm(CourseForm):
    """The short form a new course starts with: what it is called, whom it is opened for, its
    topic and how it is taught. Everything else keeps its default until the course's settings."""

    class Meta(CourseForm.Meta):
        fields = ["title", "organisation", "topic", "delivery", "audience"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["allowed_speeds"]  # declared on CourseForm; the default until settings


class CopyCourseForm(forms.Form):
    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(), label=_("Open the copy for")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organisation = get_field(self, "organisation", forms.ModelChoiceField)
        organisation.queryset = openable_organisations(user).select_related("parent__parent")


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["title"]


# Minutes:seconds ("12:30", "12:30.5") or seconds ("750"), ASCII digits only ("²" is no digit).
_LENGTH = re.compile(r"(?:(\d{1,4}):([0-5]?\d(?:\.\d{1,3})?)|(\d{1,6}(?:\.\d{1,3})?))", re.ASCII)


def parse_length(text: str) -> float | None:
    """Seconds from a video length given as minutes:seconds or seconds; None when it is not
    one, or not within (0, ``MAX_DURATION``]."""
    from .services.progress import MAX_DURATION

    match = _LENGTH.fullmatch(text.strip())
    if match is None:
        return None
    minutes, seconds, plain = match.groups()
    value = float(plain) if plain is not None else int(minutes) * 60 + float(seconds)
    return value if 0 < value <= MAX_DURATION else None


def reported_length(value: object) -> float | None:
    """The length the lesson form's page read from the YouTube player (``getDuration()``): a
    positive finite number of seconds within ``MAX_DURATION``, else None (not reported)."""
    from .services.progress import MAX_DURATION

    try:
        number = float(str(value).strip()) if value not in (None, "") else math.nan
    except ValueError:
        return None
    return round(number, 3) if math.isfinite(number) and 0 < number <= MAX_DURATION else None


def format_length(seconds: float | None) -> str:
    if not seconds:
        return ""
    minutes, rest = divmod(round(seconds, 3), 60)
    text = f"{rest:06.3f}".rstrip("0").rstrip(".")
    return f"{int(minutes)}:{text if rest >= 10 else text.zfill(2)}"


class LessonForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("For YouTube, video URL and link lessons."),
    )
    length = forms.CharField(
        label=_("Video length"),
        required=False,
        max_length=20,
        help_text=_(
            "For YouTube and video URL lessons: minutes:seconds (12:30) or seconds. Left empty, "
            "a URL video is measured by the server and a YouTube video by this page."
        ),
    )
    # Filled by this page's script from the YouTube player's getDuration() (lesson-form.js).
    reported_length = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    class Meta:
        model = Lesson
        fields = ["title", "kind", "description", "is_required", "video", "url", "document"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "video": forms.HiddenInput,
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The videos the author may attach, as the media pages decide (the lesson's own stays).
        get_field(self, "video", forms.ModelChoiceField).queryset = media_access.attachable_videos(
            user, keeping=self.instance.video_id
        )
        self.fields["document"].widget.attrs["accept"] = "application/pdf"
        if self.instance.pk and self.instance.kind in Lesson.REMOTE_VIDEO_KINDS:
            self.initial.setdefault("length", format_length(self.instance.duration))
        self.fields["length"].widget.attrs.update(inputmode="decimal", placeholder="12:30")
        self.fields["reported_length"].widget.attrs["data-reported-length"] = ""

    def clean_length(self) -> float | None:
        text = self.cleaned_data.get("length") or ""
        if not text.strip():
            return None
        seconds = parse_length(text)
        if seconds is None:
            raise forms.ValidationError(
                _("Give the length as minutes:seconds (12:30) or seconds, at most six hours.")
            )
        return seconds

    def clean_reported_length(self) -> float | None:
        return reported_length(self.cleaned_data.get("reported_length"))

    def save(self, commit: bool = True) -> Lesson:
        """The lesson, with the length the server will trust (F-08): the teacher's entry, else
        for YouTube what this page's player reported; a new URL forgets the old length (a URL
        video is then measured by ffprobe, see ``services.courses.save_lesson``)."""
        lesson = super().save(commit=False)
        if lesson.kind in Lesson.REMOTE_VIDEO_KINDS:
            changed = set(self.changed_data)
            typed = self.cleaned_data.get("length")
            reported = self.cleaned_data.get("reported_length")
            new_video = not self.instance.pk or bool(changed & {"url", "kind"})
            if typed is not None and ("length" in changed or not self.instance.pk):
                lesson.duration = typed
            elif new_video or "length" in changed or lesson.duration is None:
                lesson.duration = reported if lesson.kind == Lesson.Kind.YOUTUBE else None
        if commit:
            lesson.save()
            self.save_m2m()
        return lesson

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):
            head = document.read(5)
            document.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("The document must be a PDF file."))
        return document

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        url = cleaned.get("url") or ""
        if kind == Lesson.Kind.YOUTUBE and url and youtube_id(url) is None:
            self.add_error("url", _("This is not the address of a YouTube video."))
        was = self.instance.kind if self.instance.pk else None
        if was in Lesson.ASSESSMENT_KINDS and kind and kind != was:
            # Its questions, attempts or submissions belong to that kind: students' work is
            # never dropped by changing a lesson's kind.
            self.add_error(
                "kind",
                _("A quiz or an assignment stays what it is. Add a new lesson instead."),
            )
        return cleaned


def youtube_id(url: str) -> str | None:
    """The video id of a YouTube address (watch?v=, youtu.be/, /embed/, /shorts/), else None."""
    from urllib.parse import parse_qs, urlparse

    parsed = urlparse(url)
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    candidate = None
    if host == "youtu.be":
        candidate = parsed.path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path == "/watch":
            candidate = (parse_qs(parsed.query).get("v") or [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            candidate = parsed.path.split("/")[2]
    if candidate and len(candidate) == 11 and all(c.isalnum() or c in "-_" for c in candidate):
        return candidate
    return None


class EnrolOrganisationForm(forms.Form):
    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(), label=_("Enrol every student of")
    )

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        get_field(self, "organisation", forms.ModelChoiceField).queryset = organisations


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["kind", "title", "lesson", "day", "starts_at", "ends_at"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.course = course
        # Only sessions the platform numbers go without a title (Session.shown_title).
        self.fields["title"].required = True
        get_field(self, "lesson", forms.ModelChoiceField).queryset = Lesson.objects.filter(
            section__course=course
        ).order_by("section__position", "position")


class CorrectionForm(forms.Form):
    """A teacher's correction of one mark. The rules (a reason, a mark among the choices) are
    ``services.correct_attendance``'s; the form only carries what was typed back to the page."""

    status = forms.CharField(required=False)
    reason = forms.CharField(max_length=200, required=False)
