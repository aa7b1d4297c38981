"""The data steps of segweb's migrations, run against today's models (same fields)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection

from segments import roles
from segments.models import CustomerTotals, ExportRecord, OrderLine, StrategyNoteRevision
from segments.services import imports
from tests import factories
from tests.import_samples import a_few_orders, shopify_row, write_csv
from tests.run_data import insert_lines, lines_frame
from tests.test_features import FIXTURE_ROWS
from tests.test_services_customer_totals import full_aggregation, stored_totals

pytestmark = pytest.mark.django_db
history = importlib.import_module("segments.migrations.0007_history_outlives_runs")
manage_users = importlib.import_module("segments.migrations.0008_manage_users_permission")
line_keys = importlib.import_module("segments.migrations.0010_line_key_uuid")
run_at_scale = importlib.import_module("segments.migrations.0012_run_at_scale")
AUTH_USER_CODENAMES = ("view_user", "add_user", "change_user", "delete_user")


def admin_codenames() -> set[str]:
    group = Group.objects.get(name=roles.ADMIN)
    return set(group.permissions.values_list("codename", flat=True))


def test_fill_snapshots_existing_rows_get_run_number_and_segment_name() -> None:
    segment = factories.SegmentFactory(name="Bargain hunters")
    renamed = factories.SegmentFactory(run=segment.run, name="Loyal")
    export = factories.ExportRecordFactory(run=segment.run, run_number=None)
    plain = factories.StrategyNoteRevisionFactory(segment=segment, run_number=None, segment_name="")
    custom = factories.StrategyNoteRevisionFactory(
        segment=renamed, run_number=None, segment_name="", custom_name="VIP"
    )
    history.fill_snapshots(apps, None)
    assert ExportRecord.objects.get(pk=export.pk).run_number == segment.run_id
    found = StrategyNoteRevision.objects.in_bulk([plain.pk, custom.pk])
    assert (found[plain.pk].run_number, found[plain.pk].segment_name) == (
        segment.run_id,
        "Bargain hunters",
    )
    assert found[custom.pk].segment_name == "VIP"


def test_swap_permissions_admin_loses_auth_user_and_gains_manage_users() -> None:
    group = Group.objects.get(name=roles.ADMIN)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__in=AUTH_USER_CODENAMES)
    )
    group.permissions.remove(*Permission.objects.filter(codename__in=manage_users.NEW_PERMISSIONS))
    manage_users.swap_permissions(apps, None)
    codenames = admin_codenames()
    assert not codenames.intersection(AUTH_USER_CODENAMES)
    assert {"manage_users", "view_audit"} <= codenames


def test_swap_permissions_marketing_group_untouched() -> None:
    before = set(Group.objects.get(name=roles.MARKETING).permissions.all())
    manage_users.swap_permissions(apps, None)
    assert set(Group.objects.get(name=roles.MARKETING).permissions.all()) == before
    assert not {"manage_users", "view_audit"} & {p.codename for p in before}


def test_restore_permissions_reverses_the_swap() -> None:
    manage_users.restore_permissions(apps, None)
    codenames = admin_codenames()
    assert set(AUTH_USER_CODENAMES) <= codenames
    assert not codenames.intersection(manage_users.NEW_PERMISSIONS)


def test_recompute_line_keys_stored_lines_get_the_keys_an_import_gives(tmp_path, monkeypatch):
    rows = [*a_few_orders(), shopify_row(), a_few_orders()[1], shopify_row()]
    imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    expected = dict(OrderLine.objects.values_list("id", "line_key"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE segments_orderline SET line_key = gen_random_uuid()")
    monkeypatch.setattr(line_keys, "BATCH_LINES", 3)
    with connection.schema_editor() as editor:
        line_keys.recompute_line_keys(apps, editor)
    assert dict(OrderLine.objects.values_list("id", "line_key")) == expected
    assert imports.import_file(tmp_path / "orders.csv").lines_already_present == len(rows)


def test_fill_totals_existing_lines_get_the_aggregation_of_today() -> None:
    insert_lines(lines_frame(FIXTURE_ROWS))
    expected = stored_totals()
    CustomerTotals.objects.all().delete()

    with connection.schema_editor() as schema_editor:
        run_at_scale.fill_totals(apps, schema_editor)

    assert stored_totals() == expected == full_aggregation()
