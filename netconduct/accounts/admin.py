"""Read-mostly admin for accounts and activation codes.

Deliberately not Django's UserAdmin: it has a page that sets another person's password, and nobody here ever does
that. Accounts come from activation slips; passwords are set only by their owners.
"""

from __future__ import annotations

from django.contrib import admin

from .models import ActivationCode, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "display_name", "is_active", "is_superuser", "last_login", "date_joined"]
    list_filter = ["is_active", "is_superuser"]
    search_fields = ["username", "first_name"]
    fields = ["username", "first_name", "is_active", "is_superuser", "last_login", "date_joined"]
    readonly_fields = fields

    # Changes go through services, which check scope and write the audit log; the admin only looks.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    list_display = ["person", "purpose", "created_at", "created_by", "expires_at", "used_at", "voided_at"]
    list_filter = ["purpose"]
    fields = ["person", "purpose", "created_at", "created_by", "expires_at", "used_at", "voided_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
