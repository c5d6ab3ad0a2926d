"""Saved lists (나만의 목록): a person's named lists of things the search finds, each item
remembered by its search source and key, with a snapshot of its title and address (so an item
whose object is gone still shows what it was), a note and a place in the list.

A list is its owner's. It can be shared with classes the owner teaches or administers (it then
appears on the class's home), and by link: an unguessable token that can be turned off or
renewed. Who may open a list, and which of its items they see, is ``lists.access``'s rule.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation
from openclass.core.stamps import Stamped


class SavedList(Stamped):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_lists",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    category = models.CharField(
        _("category"),
        max_length=50,
        blank=True,
        help_text=_("A label of your own to group lists by (진로, 독서 …)."),
    )
    #: The token of the list's link (``/lists/shared/<token>/``): empty while the link is off.
    link_token = models.CharField(max_length=64, blank=True, default="")
    shared_with = models.ManyToManyField(
        Organisation,
        verbose_name=_("shared with classes"),
        blank=True,
        related_name="shared_lists",
        limit_choices_to={"kind": Organisation.Kind.CLASS},
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved list")
        verbose_name_plural = _("saved lists")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["link_token"],
                condition=~models.Q(link_token=""),
                name="lists_unique_link_token",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SavedItem(models.Model):
    saved_list = models.ForeignKey(
        SavedList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="items"
    )
    #: The search source's name ("courses.course") and the object's primary key in its model.
    source = models.CharField(_("source"), max_length=60)
    key = models.BigIntegerField(_("key"))
    #: The kind, title and address as they were when saved.
    kind = models.CharField(_("kind"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("address"), max_length=500, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved item")
        verbose_name_plural = _("saved items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_list", "source", "key"], name="lists_unique_item"
            )
        ]

    def __str__(self) -> str:
        return self.title
