"""Django's admin for administrators: read-mostly views of the registry (writes go through the services, so each
is logged and nothing is overwritten)."""

from django.contrib import admin
from django.contrib.auth.models import Group, User

from ihcheck.registry import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(models.Hospital)
class HospitalAdmin(ReadOnly):
    list_display = ("name", "uscc", "city", "registered_on", "enrolled_at")
    list_filter = ("city",)
    search_fields = ("name", "uscc", "licence")


@admin.register(models.SigningKey)
class SigningKeyAdmin(ReadOnly):
    list_display = ("hospital", "ed25519", "sm2", "valid_from", "valid_until", "retired_at", "revoked_at")


@admin.register(models.Bundle)
class BundleAdmin(ReadOnly):
    list_display = ("hospital", "digest", "signed_at", "catalogue_version", "worst", "via")
    list_filter = ("worst", "catalogue_version")


@admin.register(models.TrailAnchor)
class TrailAnchorAdmin(ReadOnly):
    list_display = ("hospital", "head", "last_seq", "stated_at", "source", "extends")


@admin.register(models.Action)
class ActionAdmin(ReadOnly):
    list_display = ("seq", "at", "event", "actor", "hospital")
    list_filter = ("event",)


# Accounts are made, given a role and deactivated through the registry (enrol.create_account, the pages), each in
# the action log; Django's own user and group admin wrote them (a new superuser, a changed password) unlogged.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AccountAdmin(ReadOnly):
    list_display = ("username", "is_active", "is_superuser", "last_login", "date_joined")
    exclude = ("password",)


@admin.register(Group)
class RoleAdmin(ReadOnly):
    list_display = ("name",)
