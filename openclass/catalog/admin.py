from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AudienceTag, ContentElement, Topic


class ContentElementInline(admin.TabularInline):
    model = ContentElement
    extra = 0
    fields = ["position", "code", "name_ko", "name_en"]
    ordering = ["position", "code"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "kind", "group", "code", "position", "element_count"]
    list_display_links = ["name_ko"]
    list_editable = ["position"]
    list_filter = ["kind", "group"]
    search_fields = ["name_ko", "name_en", "code", "elements__name_ko", "elements__name_en"]
    ordering = ["kind", "position", "code"]
    fields = ["kind", "group", "code", "name_ko", "name_en", "position"]
    inlines = [ContentElementInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("elements")

    @admin.display(description=_("content elements"))
    def element_count(self, topic: Topic) -> int:
        return len(topic.elements.all())


@admin.register(ContentElement)
class ContentElementAdmin(admin.ModelAdmin):
    """Elements are edited inside their topic; this list exists for search and autocomplete."""

    list_display = ["name_ko", "name_en", "topic", "code", "position"]
    list_filter = ["topic__kind", "topic"]
    search_fields = ["name_ko", "name_en", "code", "topic__name_ko", "topic__name_en"]
    list_select_related = ["topic"]
    autocomplete_fields = ["topic"]


@admin.register(AudienceTag)
class AudienceTagAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name_ko", "name_en", "code"]
    ordering = ["position", "code"]
