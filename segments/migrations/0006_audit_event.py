"""The audit log, append-only in the database as well as in the model.

A PostgreSQL trigger refuses UPDATE and DELETE on segments_auditevent, whatever the path (a
queryset, raw SQL, Django's admin, a shell). The one update it lets through is clearing
`actor` when that user is deleted (the FK's SET_NULL), with every other column unchanged.

What it relies on: PostgreSQL row triggers (jsonb comparison of OLD and NEW). It stops mistakes
and ordinary SQL, not the table's owner or a superuser, who can drop or disable a trigger. TRUNCATE
is not guarded: Django's `flush` (used by transactional tests) truncates every table.
"""

from __future__ import annotations

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = """
CREATE FUNCTION segments_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'segments_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER segments_auditevent_append_only
    BEFORE UPDATE OR DELETE ON segments_auditevent
    FOR EACH ROW EXECUTE FUNCTION segments_auditevent_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS segments_auditevent_append_only ON segments_auditevent;
DROP FUNCTION IF EXISTS segments_auditevent_append_only();
"""

ACTIONS = [
    ("sign_in", "Signed in"),
    ("sign_in_failed", "Sign-in failed"),
    ("sign_out", "Signed out"),
    ("user_created", "User created"),
    ("user_updated", "User details changed"),
    ("role_changed", "Role changed"),
    ("password_reset", "Password reset"),
    ("user_deactivated", "User deactivated"),
    ("user_reactivated", "User reactivated"),
    ("run_requested", "Run requested"),
    ("run_cancelled", "Run cancelled"),
    ("run_deleted", "Run deleted"),
    ("import_uploaded", "Import uploaded"),
    ("export_created", "List exported"),
    ("notes_edited", "Strategy notes edited"),
    ("schedule_saved", "Schedule saved"),
    ("schedule_deleted", "Schedule deleted"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0005_run_cancel_and_import_heartbeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("actor_name", models.CharField(blank=True, max_length=150)),
                ("action", models.CharField(choices=ACTIONS, max_length=30)),
                (
                    "outcome",
                    models.CharField(
                        choices=[("ok", "OK"), ("refused", "Refused"), ("failed", "Failed")],
                        default="ok",
                        max_length=10,
                    ),
                ),
                ("object_type", models.CharField(blank=True, max_length=30)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("object_repr", models.CharField(blank=True, max_length=200)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
                "default_permissions": (),
                "indexes": [
                    models.Index(fields=["-at", "-id"], name="audit_at_idx"),
                    models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
                    models.Index(fields=["actor_name", "-at"], name="audit_actor_at_idx"),
                    models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
                ],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
