"""Users (Admins): create accounts, switch roles, reset passwords, deactivate.

Staff and superusers are out of reach here (403): Django's admin is theirs, for superusers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from segments import roles
from segments.forms import UserForm
from segments.services import users as user_service
from segments.views.access import role_required


@role_required(roles.MANAGE_USERS)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "segments/user_list.html", {"users": user_service.users_with_roles()})


def save_user(request: HttpRequest, form: UserForm) -> AbstractUser:
    """Create or update the form's user; an admin who changes their own password stays signed in."""
    if form.user is None:
        return user_service.create_user(form.spec(), form.new_password(), request.user)
    saved = user_service.update_user(form.user, form.spec(), request.user, form.new_password())
    if form.new_password() and saved.pk == request.user.pk:
        update_session_auth_hash(request, saved)
    return saved


def refuse_protected(request: HttpRequest, managed: AbstractUser) -> HttpResponse:
    """403 for a staff or superuser account; a POST (a forged form) is put on record."""
    if request.method == "POST":
        user_service.record_refusal(managed, request.user, user_service.PROTECTED_MESSAGE)
    context = {"managed_user": managed, "form": None}
    return render(request, "segments/user_form.html", context, status=403)


@role_required(roles.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    managed = None if user_id is None else get_object_or_404(get_user_model(), pk=user_id)
    if managed is not None and user_service.is_protected(managed):
        return refuse_protected(request, managed)
    form = UserForm(request.POST or None, user=managed)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_user(request, form)
        except user_service.UserChangeRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, f"User “{saved.get_username()}” saved.")
            return redirect("segments:user-list")
    return render(request, "segments/user_form.html", {"form": form, "managed_user": managed})
