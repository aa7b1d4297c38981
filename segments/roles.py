"""The two roles, as Django groups, and the permissions each one holds."""

from __future__ import annotations

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
