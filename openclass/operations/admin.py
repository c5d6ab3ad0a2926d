"""The office's settings of the operations area, in Django's admin (office admins are staff):
calls for applications, the rate table, the point rules."""

from django.contrib import admin

from .models import Call, PointRule, Rate, RateTable


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_on", "closes_on", "is_published"]
    list_filter = ["is_published"]
    filter_horizontal = ["topics"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
    list_display = ["name", "effective_from"]
    inlines = [RateInline]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ["event", "points"]
