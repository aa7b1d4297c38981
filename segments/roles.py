"""The two roles, as Django groups, and the permissions each one holds."""

from __future__ import annotations

from typing import Any

MARKETING = "Marketing"
ADMIN = "Admin"

VIEW_RESULTS = "segments.view_results"
EDIT_STRATEGY = "segments.edit_strategy"
EXPORT_LISTS = "segments.export_lists"
IMPORT_DATA = "segments.import_data"
MANAGE_RUNS = "segments.manage_runs"

MARKETING_PERMISSIONS = ("view_results", "edit_strategy", "export_lists")
ADMIN_PERMISSIONS = (*MARKETING_PERMISSIONS, "import_data", "manage_runs")
# Admins manage users through these (Django's own auth permissions).
ADMIN_USER_PERMISSIONS = ("view_user", "add_user", "change_user", "delete_user")
# What the Users page needs: accounts are deactivated there, never deleted.
MANAGE_USERS = ("auth.view_user", "auth.add_user", "auth.change_user")


def create_role_groups(group_model: Any, permission_model: Any) -> None:
    """Create both groups with their permissions (idempotent).

    Takes the models as arguments so the migration can pass its historical ones.
    """

    def grant(group_name: str, app_label: str, codenames: tuple[str, ...]) -> None:
        group, _ = group_model.objects.get_or_create(name=group_name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )

    grant(MARKETING, "segments", MARKETING_PERMISSIONS)
    grant(ADMIN, "segments", ADMIN_PERMISSIONS)
    grant(ADMIN, "auth", ADMIN_USER_PERMISSIONS)
