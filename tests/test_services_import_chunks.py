"""Imports read in chunks: the same outcome as a file read whole, in one transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from segments.importers import readers
from segments.importers.chunks import ParsedFile
from segments.models import Customer, DataImport, Order, OrderLine
from segments.services import import_store, imports
from tests.factories import CustomerFactory, OrderFactory
from tests.import_samples import a_few_orders, shopify_row, write_csv

pytestmark = pytest.mark.django_db
Status = DataImport.Status
ROW_BYTES = 200  # a chunk of one or two sample rows


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", ROW_BYTES)


def _stored() -> tuple[set, int, int]:
    keys = set(OrderLine.objects.values_list("line_key", flat=True))
    return keys, Order.objects.count(), Customer.objects.count()


def _many_rows() -> list[dict[str, str]]:
    """Repeats far apart (other chunks), and an order whose lines span chunks."""
    rows = a_few_orders()
    return [*rows, shopify_row(), *rows[2:], shopify_row(day="01/01/2019"), rows[0], rows[0]]


def test_import_file_in_chunks_stores_what_a_whole_read_stores(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "orders.csv", _many_rows())
    whole = imports.import_file(path)
    expected = _stored()
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    monkeypatch.setattr(readers, "CHUNK_BYTES", ROW_BYTES)
    chunked = imports.import_file(path)
    assert chunked.status == Status.SUCCEEDED
    assert _stored() == expected
    assert (chunked.lines_imported, chunked.orders_created, chunked.customers_created) == (
        whole.lines_imported,
        whole.orders_created,
        whole.customers_created,
    )
    assert Order.objects.get(external_id="1000000000007").day.isoformat() == "2019-01-01"


def test_import_file_in_chunks_again_adds_nothing(tmp_path, tiny_chunks):
    path = write_csv(tmp_path / "orders.csv", _many_rows())
    imports.import_file(path)
    again = imports.import_file(path)
    assert (again.lines_imported, again.lines_already_present) == (0, len(_many_rows()))


def test_import_file_problem_in_last_chunk_nothing_written(tmp_path, tiny_chunks):
    rows = [*a_few_orders(), shopify_row(order_id="9", ordered_item_quantity=-1)]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert data_import.status == Status.REFUSED
    assert data_import.errors[0]["row"] == len(rows) + 1
    assert (data_import.rows_read, data_import.rows_rejected) == (len(rows), 1)
    assert _stored() == (set(), 0, 0)


def test_import_file_order_of_another_customer_in_a_later_chunk_refused(tmp_path, tiny_chunks):
    rows = [*a_few_orders(), shopify_row(customer_id="5000000000099")]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert data_import.status == Status.REFUSED
    assert data_import.errors[0]["row"] == len(rows) + 1
    assert "belongs to customer 5000000000017" in data_import.errors[0]["reason"]
    assert _stored() == (set(), 0, 0)


def test_import_file_clash_then_bad_row_reports_both(tmp_path, tiny_chunks):
    CustomerFactory(external_id="5000000000099")
    OrderFactory(external_id="1000000000007", customer__external_id="5000000000098")
    rows = [shopify_row(customer_id="5000000000099"), *a_few_orders()[2:]]
    rows.append(shopify_row(order_id="9", ordered_item_quantity=-1))
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert data_import.status == Status.REFUSED
    assert [problem["row"] for problem in data_import.errors] == [2, len(rows) + 1]
    assert data_import.errors_total == 2


def test_save_import_touched_customers_are_those_given_lines(tmp_path):
    known = a_few_orders()
    imports.import_file(write_csv(tmp_path / "first.csv", known[:3]))
    rows = [*known, shopify_row(customer_id="5000000000051", order_id="1000000000028")]
    opened = readers.open_table(write_csv(tmp_path / "second.csv", rows))
    result = ParsedFile(opened, "shopify")
    prepared = [imports.prepare_import(chunk) for chunk in result.results()]
    with transaction.atomic(), connection.cursor() as cursor:
        data_import = DataImport.objects.create(file_name="second.csv", file_size=1)
        import_store.save_import(prepared, data_import.pk)
        cursor.execute(f"SELECT DISTINCT customer_id FROM {import_store.TOUCHED_TABLE}")
        touched = {row[0] for row in cursor.fetchall()}
    expected = Customer.objects.filter(external_id__in=["5000000000034", "5000000000051"])
    assert touched == {customer.pk for customer in expected}


@pytest.mark.parametrize("privileged", [True, False])
def test_save_import_foreign_key_checks_back_on_after_copy(tmp_path, monkeypatch, privileged):
    monkeypatch.setattr(import_store, "may_skip_triggers", lambda cursor: privileged)
    opened = readers.open_table(write_csv(tmp_path / "orders.csv", a_few_orders()))
    prepared = [imports.prepare_import(chunk) for chunk in ParsedFile(opened, "shopify").results()]
    with transaction.atomic(), connection.cursor() as cursor:
        data_import = DataImport.objects.create(file_name="orders.csv", file_size=1)
        counts = import_store.save_import(prepared, data_import.pk)
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert counts.lines_imported == OrderLine.objects.filter(data_import=data_import).count() == 5


def test_may_skip_triggers_superuser_may():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        assert import_store.may_skip_triggers(cursor) == superuser


def test_import_file_order_from_an_earlier_chunk_lines_copied_not_merged(
    tmp_path, tiny_chunks, monkeypatch
):
    def merged(*args):
        raise AssertionError("lines of an order this import created went the slow way")

    monkeypatch.setattr(import_store, "_insert_known_lines", merged)
    rows = [*a_few_orders(), shopify_row(day="01/03/2019", product_title="Later")]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert (data_import.status, data_import.lines_imported) == (Status.SUCCEEDED, len(rows))
