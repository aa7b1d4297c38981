from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction

from segments import demo
from segments.aggregation import FEATURES_SQL
from segments.models import Customer, CustomerTotals, DataImport, OrderLine
from segments.services import customer_totals, imports
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db


def full_aggregation() -> list[tuple]:
    """FEATURES_SQL over every line in the database: what the totals must equal."""
    sql = FEATURES_SQL.format(lines=OrderLine._meta.db_table, scope="TRUE")
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 1")
        return cursor.fetchall()


def stored_totals() -> list[tuple]:
    return list(
        CustomerTotals.objects.order_by("customer_id").values_list(
            "customer_id", *customer_totals.TOTALS_COLUMNS[1:]
        )
    )


def refresh(customers, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        customer_totals.refresh_customer_totals(cursor, customers, params)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_save_import_overlapping_imports_keep_totals_equal_to_full_aggregation(tmp_path, seed):
    lines = demo.generate_orders(150, seed=seed).lines
    rng = np.random.default_rng(seed)
    # Three files of random lines: customers and orders spread over several imports, and
    # lines in more than one file (a re-import adds nothing twice).
    for number in range(3):
        chosen = np.sort(rng.choice(len(lines), size=len(lines) // 2, replace=False))
        path = tmp_path / f"part-{number}.csv"
        demo.write_orders_csv(lines.iloc[chosen], path)
        assert imports.import_file(path).status == DataImport.Status.SUCCEEDED

        assert stored_totals() == full_aggregation()
    assert len(stored_totals()) == Customer.objects.count()


def test_save_import_refreshes_only_the_customers_it_added_lines_to(tmp_path):
    lines = demo.generate_orders(40, seed=4).lines
    first, second = lines.iloc[: len(lines) // 2], lines.iloc[len(lines) // 2 :]
    demo.write_orders_csv(first, tmp_path / "first.csv")
    demo.write_orders_csv(second, tmp_path / "second.csv")
    imports.import_file(tmp_path / "first.csv")
    untouched = set(Customer.objects.values_list("pk", flat=True)) - set(
        Customer.objects.filter(external_id__in=second["customer_id"].astype(str)).values_list(
            "pk", flat=True
        )
    )
    CustomerTotals.objects.filter(customer_id__in=untouched).update(lines=-1)

    imports.import_file(tmp_path / "second.csv")

    assert set(CustomerTotals.objects.filter(lines=-1).values_list("customer_id", flat=True)) == (
        untouched
    )


def test_refresh_customer_totals_after_deleting_lines_and_customers_matches_aggregation():
    insert_lines(groups_lines((5, 5, 5)))
    pks = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    shrunk, emptied, gone = pks[0], pks[6], pks[12]
    OrderLine.objects.filter(pk=OrderLine.objects.filter(customer_id=shrunk).first().pk).delete()
    OrderLine.objects.filter(customer_id=emptied).delete()
    with connection.cursor() as cursor:  # plain SQL, as a bulk delete would: no ORM cascade
        cursor.execute("DELETE FROM segments_orderline WHERE customer_id = %s", [gone])
        cursor.execute("DELETE FROM segments_order WHERE customer_id = %s", [gone])
        cursor.execute("DELETE FROM segments_customer WHERE id = %s", [gone])

    refresh([shrunk, emptied, gone])

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no totals left pointing at `gone`
    assert stored_totals() == full_aggregation()
    assert not CustomerTotals.objects.filter(customer_id__in=[emptied, gone]).exists()


def test_refresh_customer_totals_query_scope_recomputes_its_customers():
    insert_lines(groups_lines((5, 5, 5)))
    CustomerTotals.objects.update(order_count=0)

    refresh("SELECT id FROM segments_customer WHERE external_id LIKE %s", ["G1-%"])

    refreshed = CustomerTotals.objects.filter(customer__external_id__startswith="G1-")
    assert set(refreshed.values_list("order_count", flat=True)) == {3}
    assert set(CustomerTotals.objects.exclude(customer__in=refreshed.values("customer"))
               .values_list("order_count", flat=True)) == {0}  # fmt: skip


def test_rebuild_customer_totals_empty_database_leaves_no_totals():
    with transaction.atomic(), connection.cursor() as cursor:
        customer_totals.rebuild_customer_totals(cursor)

    assert not CustomerTotals.objects.exists()
