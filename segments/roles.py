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
# The Users page. Not Django's auth.change_user: with it, an Admin with staff access could make
# themselves a superuser in Django's admin, which stays for superusers only.
MANAGE_USERS = "segments.manage_users"
VIEW_AUDIT = "segments.view_audit"

MARKETING_PERMISSIONS = ("view_results", "edit_strategy", "export_lists")
ADMIN_PERMISSIONS = (
    *MARKETING_PERMISSIONS,
    "import_data",
    "manage_runs",
    "manage_users",
    "view_audit",
)


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
