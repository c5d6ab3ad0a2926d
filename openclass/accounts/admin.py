from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import LoginCard, Organisation, ParentLink, TeachingAssignment, User

admin.site.site_header = _("openclass administration")
admin.site.site_title = _("openclass administration")
admin.site.index_title = _("Organisations and users")


class TeachingAssignmentInline(admin.TabularInline):
    model = TeachingAssignment
    fk_name = "teacher"
    extra = 0
    autocomplete_fields = ["klass"]


class ParentLinkInline(admin.TabularInline):
    model = ParentLink
    fk_name = "parent"
    extra = 0
    autocomplete_fields = ["student"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "kind", "code", "school_level", "parent"]
    list_filter = ["kind", "school_level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent", "parent__parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "role", "organisation", "number", "is_active", "last_login"]
    list_filter = ["role", "is_active", "must_change_password", "is_staff"]
    search_fields = ["username", "name", "email", "phone"]
    ordering = ["username"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation", "organisation__parent"]
    inlines = [TeachingAssignmentInline, ParentLinkInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "role", "organisation", "number", "email", "phone")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "must_change_password",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "role", "organisation", "password1", "password2"),
            },
        ),
    )


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["teacher", "klass", "subject", "is_homeroom"]
    list_filter = ["is_homeroom"]
    search_fields = ["teacher__name", "teacher__username", "klass__name"]
    autocomplete_fields = ["teacher", "klass"]


@admin.register(ParentLink)
class ParentLinkAdmin(admin.ModelAdmin):
    list_display = ["parent", "student", "relation"]
    search_fields = ["parent__name", "student__name", "parent__username", "student__username"]
    autocomplete_fields = ["parent", "student"]


@admin.register(LoginCard)
class LoginCardAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__name", "user__username"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
