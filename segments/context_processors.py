from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from segments import roles, selectors


def role_flags(request: HttpRequest) -> dict[str, bool]:
    """Tell templates which buttons to show; the views check again on the server."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "can_manage_runs": False,
            "can_import": False,
            "can_export": False,
            "can_edit_notes": False,
            "can_manage_users": False,
            "can_view_audit": False,
        }
    return {
        "can_manage_runs": user.has_perm(roles.MANAGE_RUNS),
        "can_import": user.has_perm(roles.IMPORT_DATA),
        "can_export": user.has_perm(roles.EXPORT_LISTS),
        "can_edit_notes": user.has_perm(roles.EDIT_STRATEGY),
        "can_manage_users": user.has_perm(roles.MANAGE_USERS),
        "can_view_audit": user.has_perm(roles.VIEW_AUDIT),
    }


def shop_currency(request: HttpRequest) -> dict[str, object]:
    """The currency money is shown in; looked up only by a page that shows money."""
    return {"currency": SimpleLazyObject(selectors.shop_currency)}
