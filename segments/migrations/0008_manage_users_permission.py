"""Admins manage accounts through segments.manage_users, no longer through Django's auth.*_user.

With auth.change_user, an Admin with staff access could make themselves a superuser in Django's
admin. The Admin group loses every auth user permission and gains manage_users and view_audit.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN = "Admin"
AUTH_USER_PERMISSIONS = ("view_user", "add_user", "change_user", "delete_user")
NEW_PERMISSIONS = ("manage_users", "view_audit")


def ensure_permissions(apps) -> None:
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        # The historical registry has no models modules, which create_permissions requires;
        # put back what was there (the tests call this with the real registry).
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def swap_permissions(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ADMIN)
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="auth", codename__in=AUTH_USER_PERMISSIONS
        )
    )
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="segments", codename__in=NEW_PERMISSIONS)
    )


def restore_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=ADMIN).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label="segments", codename__in=NEW_PERMISSIONS)
    )
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth", codename__in=AUTH_USER_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0007_history_outlives_runs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="segmentationrun",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("view_results", "Can view runs, segments and customers"),
                    ("edit_strategy", "Can edit segment strategy notes"),
                    ("export_lists", "Can export campaign target lists"),
                    ("import_data", "Can import order data"),
                    ("manage_runs", "Can trigger, schedule and delete runs"),
                    ("manage_users", "Can manage Marketing and Admin accounts"),
                    ("view_audit", "Can view the audit log"),
                ],
            },
        ),
        migrations.RunPython(swap_permissions, restore_permissions),
    ]
