from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Agency, AgencyMembership, User, Workspace, WorkspaceMembership


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [AgencyMembershipInline]


class WorkspaceMembershipInline(admin.TabularInline):
    model = WorkspaceMembership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "agency", "currency", "time_zone"]
    search_fields = ["name", "slug"]
    list_filter = ["agency"]
    inlines = [WorkspaceMembershipInline]
