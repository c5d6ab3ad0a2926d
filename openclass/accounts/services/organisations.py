"""The organisation tree, kept by the office (and a school admin for their school's grades and
classes): add a node, rename or move it, retire it, delete one made by mistake.

Who may touch which node is ``scoping.editable_organisations``; the views check it before
calling these. A node with people or courses is never deleted (its records name it): it is
retired, and only once nobody active belongs under it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import Organisation, TeachingAssignment, User

Kind = Organisation.Kind

#: The kind of node that sits under each kind (none under a class).
CHILD_KIND: dict[str, str] = {
    parent: child for child, parent in Organisation.PARENT_KIND.items() if parent is not None
}


def child_kind(organisation: Organisation) -> str | None:
    return CHILD_KIND.get(organisation.kind)


def default_name(kind: str, number: int | None) -> str:
    """What a school calls a grade or class by its number: 3학년, 10반."""
    if kind == Kind.GRADE and number:
        return f"{number}학년"
    if kind == Kind.CLASS and number:
        return f"{number}반"
    return ""


def _check(organisation: Organisation) -> None:
    if organisation.kind in (Kind.GRADE, Kind.CLASS) and organisation.parent_id:
        taken = Organisation.objects.filter(
            parent_id=organisation.parent_id, kind=organisation.kind, number=organisation.number
        ).exclude(pk=organisation.pk)
        if taken.exists():
            raise ValidationError(
                {"number": _("There is already one with this number in the same place.")}
            )
    if organisation.kind == Kind.SCHOOL and organisation.code:
        others = Organisation.objects.filter(code=organisation.code).exclude(pk=organisation.pk)
        if others.exists():
            raise ValidationError({"code": _("Another school already has this code.")})
    if organisation.parent is not None and not organisation.parent.is_active:
        raise ValidationError({"parent": _("A retired organisation takes nothing new under it.")})
    organisation.full_clean()


def add_child(parent: Organisation, **fields: object) -> Organisation:
    kind = child_kind(parent)
    if kind is None:
        raise ValidationError(_("Nothing sits under a class."))
    organisation = Organisation(kind=kind, parent=parent, **fields)
    if not organisation.name:
        organisation.name = default_name(kind, organisation.number)
    if organisation.code == "":
        organisation.code = None
    _check(organisation)
    organisation.save()
    return organisation


def update(organisation: Organisation, **fields: object) -> Organisation:
    """Rename, renumber or move (a new parent of the right kind): what is under it moves too."""
    for name, value in fields.items():
        setattr(organisation, name, value)
    if not organisation.name:
        organisation.name = default_name(organisation.kind, organisation.number)
    if organisation.code == "":
        organisation.code = None
    if organisation.parent_id and organisation.parent_id in _subtree_ids(organisation):
        raise ValidationError({"parent": _("An organisation cannot move under itself.")})
    _check(organisation)
    with transaction.atomic():
        organisation.save()
    return organisation


def _subtree_ids(organisation: Organisation) -> set[int]:
    if not organisation.pk:
        return set()
    stored = Organisation.objects.get(pk=organisation.pk)
    return set(stored.subtree().values_list("pk", flat=True))


def active_members(organisation: Organisation):
    return User.objects.filter(organisation__path__startswith=organisation.path, is_active=True)


def retire(organisation: Organisation) -> Organisation:
    """Mark it retired: it stays for the records that name it. Refused while active people
    belong to it or under it."""
    count = active_members(organisation).count()
    if count:
        raise ValidationError(
            _(
                "%(count)d active people still belong here. Move them to another class or "
                "deactivate their accounts first."
            )
            % {"count": count}
        )
    with transaction.atomic():
        for node in organisation.subtree():
            node.is_active = False
            node.save(update_fields=["is_active", "updated_at"])
    organisation.refresh_from_db()
    return organisation


def restore(organisation: Organisation) -> Organisation:
    if organisation.parent is not None and not organisation.parent.is_active:
        raise ValidationError(_("Restore the organisation above it first."))
    organisation.is_active = True
    organisation.save(update_fields=["is_active", "updated_at"])
    return organisation


def what_holds(organisation: Organisation) -> list[str]:
    """Why ``organisation`` may not be deleted: what is under it or names it."""
    reasons: list[str] = []
    nodes = organisation.subtree()
    children = nodes.exclude(pk=organisation.pk).count()
    if children:
        reasons.append(_("%(count)d organisations under it") % {"count": children})
    members = User.objects.filter(organisation__in=nodes).count()
    if members:
        reasons.append(_("%(count)d people (also deactivated ones)") % {"count": members})
    assignments = TeachingAssignment.objects.filter(klass__in=nodes).count()
    if assignments:
        reasons.append(_("%(count)d teaching assignments") % {"count": assignments})
    # Courses, shared lists and privacy records name organisations too: any row of another
    # area pointing at one of these nodes holds it.
    others = 0
    for relation in Organisation._meta.related_objects:
        model = relation.related_model
        if isinstance(model, str):
            continue
        if model in (Organisation, User, TeachingAssignment) or model._meta.app_label == "accounts":
            continue
        others += model._default_manager.filter(Q(**{f"{relation.field.name}__in": nodes})).count()
    if others:
        reasons.append(_("%(count)d courses or other records") % {"count": others})
    return reasons


def delete(organisation: Organisation) -> Organisation | None:
    """Delete a node made by mistake (a mistyped class), which nothing names yet; returns its
    parent."""
    reasons = what_holds(organisation)
    if reasons:
        raise ValidationError(
            _(
                "This organisation cannot be deleted: it has %(what)s. Retire it instead once "
                "nobody active belongs to it."
            )
            % {"what": ", ".join(reasons)}
        )
    parent = organisation.parent
    organisation.delete()
    return parent
