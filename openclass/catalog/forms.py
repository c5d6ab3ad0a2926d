"""Forms of the office's topic pages: the edge where what people type is checked (the model's
``clean`` checks a group goes with a cross-curricular area only)."""

from __future__ import annotations

from django import forms

from .models import AudienceTag, ContentElement, Topic


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name_ko", "name_en", "kind", "group", "position", "code"]


class ElementForm(forms.ModelForm):
    class Meta:
        model = ContentElement
        fields = ["name_ko", "name_en", "position", "code"]


class AudienceTagForm(forms.ModelForm):
    class Meta:
        model = AudienceTag
        fields = ["name_ko", "name_en", "position", "code"]
