"""Typed access to a form's fields.

A form's ``fields`` is a ``dict[str, Field]`` to a type checker, so a form that narrows one of its
own fields at run time (a ModelChoiceField's queryset, a ChoiceField's choices) asks for it here,
as the class it declared, instead of silencing the checker."""

from __future__ import annotations

from typing import TypeVar

from django import forms

FieldT = TypeVar("FieldT", bound=forms.Field)


def get_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """``form.fields[name]``, which must be a ``kind`` (a TypeError says the form changed)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a {kind.__name__}")
    return field
