"""Users, the organisation tree (office → district office → school → grade → class) and the links
between people: teachers to the classes they teach, parents to their children."""

from __future__ import annotations

import itertools
from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openclass.core.db import CompiledObjectQuery, every_column


class Organisation(models.Model):
    """A node of the organisation tree.

    ``path`` is the materialised path of ids ("/1/3/12/"), so "everything under this school" is one
    indexed prefix query instead of a recursive walk; it is kept by ``save``.
    """

    class Kind(models.TextChoices):
        OFFICE = "office", _("Office of education")
        DISTRICT = "district", _("District office")
        SCHOOL = "school", _("School")
        GRADE = "grade", _("Grade")
        CLASS = "class", _("Class")

    class SchoolLevel(models.TextChoices):
        ELEMENTARY = "elementary", _("Elementary school")
        MIDDLE = "middle", _("Middle school")
        HIGH = "high", _("High school")
        SPECIAL = "special", _("Special school")

    PARENT_KIND: dict[str, str | None] = {
        Kind.OFFICE: None,
        Kind.DISTRICT: Kind.OFFICE,
        Kind.SCHOOL: Kind.DISTRICT,
        Kind.GRADE: Kind.SCHOOL,
        Kind.CLASS: Kind.GRADE,
    }

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Short Latin code of a school, the prefix of its students' user names."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    school_level = models.CharField(
        _("school level"), max_length=12, choices=SchoolLevel.choices, blank=True
    )
    number = models.PositiveSmallIntegerField(
        _("number"), null=True, blank=True, help_text=_("Grade or class number: 3 for 3학년.")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    #: A retired node stays for the records that name it, but takes no new members.
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("A retired organisation keeps its records but takes no new members."),
    )
    #: For the Open API's ``updated_since`` (sync): when the row last changed.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    #: Who renamed, moved or retired it, and when (the office's pages show it).
    history = HistoricalRecords(excluded_fields=["path", "updated_at"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "number"],
                condition=models.Q(kind__in=["grade", "class"]),
                name="unique_grade_or_class_number",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent is not None else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            Organisation.objects.filter(pk=self.pk).update(path=new_path)
            self.path = new_path
            if old_path:
                for child in self.children.all():
                    child.save()

    def clean(self) -> None:
        expected = self.PARENT_KIND.get(self.kind)
        actual = self.parent.kind if self.parent is not None else None
        if expected != actual:
            raise ValidationError(
                {"parent": _("This kind of organisation must sit under the right parent kind.")}
            )
        if self.kind in (self.Kind.GRADE, self.Kind.CLASS) and not self.number:
            raise ValidationError({"number": _("A grade or class needs its number.")})

    @property
    def full_name(self) -> str:
        if self.kind == self.Kind.GRADE:
            return f"{self.parent.name} {self.name}" if self.parent is not None else self.name
        if self.kind == self.Kind.CLASS and self.parent is not None:
            return f"{self.parent.full_name} {self.name}"
        return self.name

    @property
    def short_name(self) -> str:
        """The name where the school is already said (a column of its own, the page's school):
        a class with its grade, "1학년 1반" — never a bare "1반" —, anything else by its name."""
        if self.kind == self.Kind.CLASS and self.parent is not None:
            return f"{self.parent.name} {self.name}"
        return self.name

    def ancestor(self, kind: str) -> Organisation | None:
        """This node or the nearest node above it of ``kind`` (the school of a class)."""
        if self.kind == kind:
            return self
        return next((node for node in reversed(self.path_nodes()) if node.kind == kind), None)

    def path_ids(self) -> list[int]:
        """The ids along ``path``, the root's first and this node's last."""
        return path_ids(self.path)

    def path_nodes(self) -> list[Organisation]:
        """The nodes along ``path``, root first, this node last: one compiled read (the API
        and the sign-in to a site ask for a person's school or whole path on each request)."""
        ids = self.path_ids()
        padded = padded_path(ids)
        if padded is None:
            return list(Organisation.objects.filter(pk__in=ids))
        return _PATH_NODES.all(*padded)

    def subtree(self) -> models.QuerySet[Organisation]:
        return Organisation.objects.filter(path__startswith=self.path)


#: The deepest path ``Organisation.path_nodes`` reads with its compiled query (office, district,
#: school, grade and class are five); a deeper one is read by the ORM.
PATH_DEPTH = 8


def path_ids(path: str) -> list[int]:
    """The ids along a materialised path ("/1/3/12/" → [1, 3, 12])."""
    return [int(part) for part in path.strip("/").split("/") if part]


def padded_path(ids: list[int]) -> list[int] | None:
    """A path's ids as a compiled read of PATH_DEPTH ids takes them (the last repeated), or
    None for an empty path or one deeper than that."""
    if not ids or len(ids) > PATH_DEPTH:
        return None
    return [*ids, *[ids[-1]] * (PATH_DEPTH - len(ids))]


_PATH_NODES = CompiledObjectQuery(
    lambda *ids: Organisation.objects.filter(pk__in=ids), {"": every_column(Organisation)}
)


class StaffHistory(HistoricalRecords):
    """The history of staff accounts (teachers, instructors, administrators): who created,
    edited, moved or deactivated them, and when.

    Students' and parents' accounts keep none: their names and contacts are pseudonymised after
    the retention (``privacy``), and a history table would keep the originals. A sign-in
    (``last_login``) writes no entry either.
    """

    QUIET_FIELDS = frozenset({"last_login", "updated_at"})
    UNTRACKED_ROLES = frozenset({"student", "parent"})

    def _tracked(self, instance: User, update_fields: frozenset[str] | None = None) -> bool:
        if instance.role in self.UNTRACKED_ROLES:
            return False
        return not (update_fields and update_fields <= self.QUIET_FIELDS)

    def post_save(self, instance, created, using=None, **kwargs):
        if self._tracked(instance, kwargs.get("update_fields")):
            super().post_save(instance, created, using=using, **kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if self._tracked(instance):
            super().post_delete(instance, using=using, **kwargs)


def in_natural_order(organisations: models.QuerySet[Organisation]) -> models.QuerySet[Organisation]:
    """``organisations`` in the order schools write them: by school, then grade 1, 2, … then
    class 1반, 2반, … 10반 (by number, not as text and not in the order the rows were made)."""
    kind = Organisation.Kind
    school_name = models.Case(
        models.When(kind=kind.CLASS, then=models.F("parent__parent__name")),
        models.When(kind=kind.GRADE, then=models.F("parent__name")),
        default=models.F("name"),
    )
    grade_number = models.Case(
        models.When(kind=kind.CLASS, then=models.F("parent__number")),
        models.When(kind=kind.GRADE, then=models.F("number")),
        default=models.Value(0),
    )
    class_number = models.Case(
        models.When(kind=kind.CLASS, then=models.F("number")),
        default=models.Value(0),
    )
    return organisations.alias(
        natural_school=school_name, natural_grade=grade_number, natural_class=class_number
    ).order_by("natural_school", "natural_grade", "natural_class", "name", "pk")


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.OFFICE_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """One account. ``name`` is the person's full name as Korean schools write it (김하늘)."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        PARENT = "parent", _("Parent")
        TEACHER = "teacher", _("Teacher")
        INSTRUCTOR = "instructor", _("Instructor")
        SCHOOL_ADMIN = "school_admin", _("School administrator")
        OFFICE_ADMIN = "office_admin", _("Office administrator")

    # Django's way to drop an inherited field; the stubs declare both as fields, hence the ignores.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("A student's class; a teacher's or school admin's school; an admin's office."),
    )
    number = models.PositiveSmallIntegerField(_("student number"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    resume_at_login = models.BooleanField(
        _("open my last lesson right after login"),
        default=False,
        help_text=_("Skip the home page and continue the lesson in progress (바로 로딩)."),
    )
    #: The language pages, notifications and e-mails are shown in; blank follows the browser
    #: (and the language switch). Stored text is rendered in it when the reader reads it.
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES, default=""
    )
    #: For the Open API's ``updated_since`` (sync): when the row last changed.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects: ClassVar[UserManager[Self]] = UserManager()
    history = StaffHistory(excluded_fields=["password", "last_login", "updated_at"])
    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role", "organisation"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.username})" if self.name else self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        kind = self.organisation.kind if self.organisation is not None else None
        allowed = ROLE_ORGANISATION_KINDS[self.role]
        if kind not in allowed:
            raise ValidationError(
                {"organisation": _("This role cannot belong to that kind of organisation.")}
            )

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def form_of_address(self) -> str:
        """How Korean schools address this person (the home page's greeting): "young" for a
        student of 초등 1–2학년 (○○ 어린이), "student" for other students (○○ 학생), "staff" for
        teachers, instructors and administrators (○○ 선생님), "other" for parents (○○ 님)."""
        if self.role in (
            self.Role.TEACHER,
            self.Role.INSTRUCTOR,
            self.Role.SCHOOL_ADMIN,
            self.Role.OFFICE_ADMIN,
        ):
            return "staff"
        if self.role != self.Role.STUDENT:
            return "other"
        klass = self._organisation_with_parents()
        grade = klass.parent if klass is not None and klass.kind == klass.Kind.CLASS else None
        school = grade.parent if grade is not None else None
        if (
            school is not None
            and grade is not None
            and grade.number in (1, 2)
            and school.school_level == school.SchoolLevel.ELEMENTARY
        ):
            return "young"
        return "student"

    def _organisation_with_parents(self) -> Organisation | None:
        """``organisation`` with its parents already read, by one compiled read of its path
        (``path_nodes``) where they were not: the greeting and the placement line name a
        student's grade and school on every home page."""
        organisation = self.organisation
        if organisation is None or Organisation.parent.is_cached(organisation):
            return organisation
        nodes = organisation.path_nodes()  # root first, this node last
        if nodes and nodes[-1].pk == organisation.pk:
            nodes[-1] = organisation
            pairs = list(itertools.pairwise(nodes))
            # Only a path that agrees with the parents: a stale one is left to the ORM.
            if all(child.parent_id == parent.pk for parent, child in pairs):
                for parent, child in pairs:
                    child.parent = parent
        return organisation

    @property
    def placement(self) -> str:
        """ "3학년 2반 15번" for a student, the organisation's name for others."""
        organisation = self._organisation_with_parents()
        if organisation is None:
            return ""
        if self.role == self.Role.STUDENT and self.number:
            return _("%(klass)s No. %(number)s") % {
                "klass": organisation.full_name,
                "number": self.number,
            }
        return organisation.full_name


class AuthenticatedRequest(HttpRequest):
    """The request a view behind ``login_required`` receives: its ``user`` is a ``User``, never
    ``AnonymousUser``. Only for annotations (django-stubs' pattern): Django passes the same
    ``HttpRequest``, so a view annotated with it must be one that login is required for."""

    user: User


ROLE_ORGANISATION_KINDS: dict[str, set[str | None]] = {
    User.Role.STUDENT: {Organisation.Kind.CLASS},
    User.Role.PARENT: {None},
    User.Role.TEACHER: {Organisation.Kind.SCHOOL},
    User.Role.INSTRUCTOR: {None, Organisation.Kind.OFFICE, Organisation.Kind.DISTRICT},
    User.Role.SCHOOL_ADMIN: {Organisation.Kind.SCHOOL},
    User.Role.OFFICE_ADMIN: {Organisation.Kind.OFFICE, Organisation.Kind.DISTRICT},
}


class TeachingAssignment(models.Model):
    """A teacher teaches a class: as its homeroom teacher (담임) or for a subject (교과)."""

    teacher = models.ForeignKey(
        User,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        limit_choices_to={"role": User.Role.TEACHER},
    )
    klass = models.ForeignKey(
        Organisation,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        limit_choices_to={"kind": Organisation.Kind.CLASS},
    )
    subject = models.CharField(_("subject"), max_length=40, blank=True)
    is_homeroom = models.BooleanField(_("homeroom teacher"), default=False)
    #: Who assigned or removed it, and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "klass", "subject"], name="unique_teaching_assignment"
            ),
            models.UniqueConstraint(
                fields=["klass"],
                condition=models.Q(is_homeroom=True),
                name="one_homeroom_teacher_per_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.klass}"


class ParentLink(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GUARDIAN = "guardian", _("Guardian")

    parent = models.ForeignKey(
        User,
        verbose_name=_("parent"),
        on_delete=models.CASCADE,
        related_name="child_links",
        limit_choices_to={"role": User.Role.PARENT},
    )
    student = models.ForeignKey(
        User,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="parent_links",
        limit_choices_to={"role": User.Role.STUDENT},
    )
    relation = models.CharField(
        _("relation"), max_length=10, choices=Relation.choices, default=Relation.GUARDIAN
    )

    class Meta:
        verbose_name = _("parent link")
        verbose_name_plural = _("parent links")
        constraints = [
            models.UniqueConstraint(fields=["parent", "student"], name="unique_parent_link")
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.student}"


class LoginCard(models.Model):
    """A printed QR login card for a young student: the QR holds a secret token, the child then
    types a short PIN. Only hashes are stored, so a copy of the database opens no account."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="login_card")
    token_digest = models.CharField(max_length=64, unique=True)
    pin = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("login card")
        verbose_name_plural = _("login cards")

    def __str__(self) -> str:
        return str(self.user)
