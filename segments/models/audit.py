"""The append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs) -> int:
        raise TypeError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what to which object, and how it ended: append-only (segments.services.audit).

    save() and delete() refuse changes here; a PostgreSQL trigger (migration 0006) refuses
    UPDATE and DELETE for every other path, except clearing `actor` when a user is deleted.
    `actor_name` keeps the name either way. Details never hold passwords or contact details.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        USER_CREATED = "user_created", "User created"
        USER_UPDATED = "user_updated", "User details changed"
        ROLE_CHANGED = "role_changed", "Role changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"
        USER_REACTIVATED = "user_reactivated", "User reactivated"
        RUN_REQUESTED = "run_requested", "Run requested"
        RUN_CANCELLED = "run_cancelled", "Run cancelled"
        RUN_DELETED = "run_deleted", "Run deleted"
        IMPORT_UPLOADED = "import_uploaded", "Import uploaded"
        IMPORT_REMOVED = "import_removed", "Import removed"
        IMPORT_APPLIED = "import_applied", "Import applied despite warnings"
        EXPORT_CREATED = "export_created", "List exported"
        NOTES_EDITED = "notes_edited", "Strategy notes edited"
        SCHEDULE_SAVED = "schedule_saved", "Schedule saved"
        SCHEDULE_DELETED = "schedule_deleted", "Schedule deleted"

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    object_type = models.CharField(max_length=30, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ()  # nobody adds, changes or deletes; segments.view_audit reads
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
            models.Index(fields=["actor_name", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only.")
