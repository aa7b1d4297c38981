from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from segments.models import Customer, DataImport, Order, OrderLine
from segments.services import imports
from tests.factories import CustomerFactory, OrderFactory, UserFactory
from tests.import_samples import a_few_orders, far_files, shopify_row, write_csv

pytestmark = pytest.mark.django_db
Status = DataImport.Status


def _table_counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
    }


def test_import_file_shopify_creates_customers_orders_lines(tmp_path):
    path = write_csv(tmp_path / "orders.csv", a_few_orders())
    data_import = imports.import_file(path, user=UserFactory())
    assert data_import.status == Status.SUCCEEDED
    assert data_import.detected_format == "shopify"
    assert (data_import.lines_imported, data_import.customers_created) == (5, 2)
    assert data_import.orders_created == 3
    assert data_import.progress == 100
    assert len(data_import.sha256) == 64
    assert _table_counts() == {"customers": 2, "orders": 3, "lines": 5}


def test_import_file_values_stored_exactly(tmp_path):
    path = write_csv(tmp_path / "orders.csv", a_few_orders())
    imports.import_file(path)
    line = OrderLine.objects.get(order__external_id="1000000000021", ordered_item_quantity=0)
    assert line.customer.external_id == "5000000000034"
    assert line.total_sales == Decimal("-120.00")
    assert line.returned_item_quantity == -1
    assert line.day == dt.date(2019, 1, 15)
    assert line.variant_id == "30000000000017"


def test_import_file_order_day_and_customer_span(tmp_path):
    imports.import_file(write_csv(tmp_path / "orders.csv", a_few_orders()))
    assert Order.objects.get(external_id="1000000000021").day == dt.date(2019, 1, 10)
    customer = Customer.objects.get(external_id="5000000000017")
    assert (customer.first_order_day, customer.last_order_day) == (
        dt.date(2019, 1, 5),
        dt.date(2019, 2, 20),
    )


def test_import_file_same_file_twice_adds_nothing(tmp_path):
    path = write_csv(tmp_path / "orders.csv", a_few_orders())
    imports.import_file(path)
    before = _table_counts()
    again = imports.import_file(path)
    assert again.status == Status.SUCCEEDED
    assert (again.lines_imported, again.lines_already_present) == (0, 5)
    assert (again.customers_created, again.orders_created) == (0, 0)
    assert _table_counts() == before


def test_import_file_overlapping_file_adds_only_new_lines(tmp_path):
    rows = a_few_orders()
    imports.import_file(write_csv(tmp_path / "first.csv", rows[:3]))
    later = [*rows[2:], shopify_row(customer_id="5000000000051", order_id="1000000000028")]
    data_import = imports.import_file(write_csv(tmp_path / "second.csv", later))
    assert (data_import.lines_imported, data_import.lines_already_present) == (3, 1)
    assert _table_counts() == {"customers": 3, "orders": 4, "lines": 6}


def test_import_file_identical_rows_both_kept(tmp_path):
    path = write_csv(tmp_path / "orders.csv", [shopify_row(), shopify_row()])
    assert imports.import_file(path).lines_imported == 2
    assert imports.import_file(path).lines_already_present == 2


def test_import_file_known_customer_span_widened(tmp_path):
    CustomerFactory(
        external_id="5000000000017",
        first_order_day=dt.date(2019, 1, 20),
        last_order_day=dt.date(2019, 1, 25),
    )
    imports.import_file(write_csv(tmp_path / "orders.csv", a_few_orders()))
    customer = Customer.objects.get(external_id="5000000000017")
    assert customer.first_order_day == dt.date(2019, 1, 5)
    assert customer.last_order_day == dt.date(2019, 2, 20)


def test_import_file_last_row_bad_leaves_database_as_it_was(tmp_path):
    imports.import_file(write_csv(tmp_path / "first.csv", a_few_orders()[:2]))
    before = _table_counts()
    rows = [
        *a_few_orders(),
        shopify_row(customer_id="5000000000099", order_id="1000000000099", total_sales="nan"),
    ]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert data_import.status == Status.REFUSED
    assert _table_counts() == before
    assert DataImport.objects.filter(status=Status.REFUSED).count() == 1
    assert data_import.errors == [
        {"row": 7, "column": "total_sales", "value": "nan", "reason": "NaN or infinite number"}
    ]
    assert (data_import.errors_total, data_import.lines_imported) == (1, 0)


def test_import_file_order_of_another_known_customer_refused_nothing_written(tmp_path):
    OrderFactory(external_id="1000000000021", customer=CustomerFactory(external_id="elsewhere"))
    before = _table_counts()
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", a_few_orders()))
    assert data_import.status == Status.REFUSED
    assert data_import.errors[0]["row"] == 5
    assert "belongs to customer elsewhere" in data_import.errors[0]["reason"]
    assert _table_counts() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [("orders.xlsx", b"customer_id,order_id\n1,2\n"), ("orders.parquet", b"a,b\n1,2\n")],
)
def test_import_file_not_what_its_name_says_refused_and_recorded(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    data_import = imports.import_file(path)
    assert data_import.status == Status.REFUSED
    assert data_import.errors[0]["row"] is None
    assert DataImport.objects.get(pk=data_import.pk).errors_total == 1
    assert _table_counts() == {"customers": 0, "orders": 0, "lines": 0}


def test_import_file_missing_columns_refused(tmp_path):
    rows = [{k: v for k, v in row.items() if k != "taxes"} for row in a_few_orders()]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows), "shopify")
    assert data_import.status == Status.REFUSED
    assert data_import.errors[0]["column"] == "taxes"


def test_import_file_many_problems_report_first_hundred_and_total(tmp_path):
    rows = [shopify_row(order_id=str(n), ordered_item_quantity=-1) for n in range(130)]
    data_import = imports.import_file(write_csv(tmp_path / "orders.csv", rows))
    assert len(data_import.errors) == 100
    assert data_import.errors_total == 130
    assert data_import.rows_rejected == 130


def test_import_file_unexpected_error_recorded_as_failed(tmp_path):
    path = write_csv(tmp_path / "orders.csv", a_few_orders())
    with mock.patch.object(imports, "save_import", side_effect=RuntimeError("disk full")):
        data_import = imports.import_file(path)
    assert data_import.status == Status.FAILED
    assert "disk full" in data_import.error_message


def test_import_file_generic_and_xlsx(tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.DataFrame(
        {
            "customer_id": [17850, 17850],
            "order_id": ["A1", "A1"],
            "date": ["2024-03-05", "2024-03-09"],
            "product_type": ["shoes", "shoes"],
            "ordered_quantity": [2, 0],
            "returned_quantity": [0, 1],
            "total_sales": [100.0, -50.0],
        }
    ).to_excel(path, index=False)
    data_import = imports.import_file(path)
    assert (data_import.status, data_import.detected_format) == (Status.SUCCEEDED, "generic")
    assert Customer.objects.get().external_id == "17850"
    assert OrderLine.objects.filter(returned_item_quantity=-1).count() == 1


def test_start_import_enqueues_task_on_commit(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("orders.csv", b"customer_id\n1\n")
    with (
        mock.patch("segments.tasks.import_orders_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        data_import = imports.start_import(upload, "auto", None)
        assert not delay.called
    delay.assert_called_once_with(data_import.pk)
    data_import.refresh_from_db()
    assert data_import.status == Status.PENDING
    assert data_import.file.name.startswith("imports/")


def test_process_import_pending_upload_imported_once(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    content = write_csv(tmp_path / "o.csv", a_few_orders()).read_bytes()
    with (
        mock.patch("segments.tasks.import_orders_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        data_import = imports.start_import(SimpleUploadedFile("orders.csv", content), "auto", None)
    done = imports.process_import(data_import.pk)
    assert (done.status, done.lines_imported, done.progress) == (Status.SUCCEEDED, 5, 100)
    assert done.sha256
    duplicate = imports.process_import(data_import.pk)
    assert duplicate.lines_imported == 5
    assert OrderLine.objects.count() == 5


def test_problem_report_lists_problems_and_total():
    data_import = DataImport(
        file_name="x.csv",
        error_message="Refused",
        errors=[{"row": 3, "column": "day", "value": "1/1", "reason": "bad"}],
        errors_total=7,
    )
    report = imports.problem_report(data_import)
    assert report[1] == "  row 3, column day, value '1/1': bad"
    assert report[-1] == "  ... 7 problems in total"


@pytest.mark.shared_data
def test_import_file_real_online_retail_counts_match_file(shared_dir):
    path = shared_dir / "data" / "online-retail" / "online_retail.parquet"
    data_import = imports.import_file(path)
    expected = _independent_counts(pd.read_parquet(path))
    assert data_import.status == Status.SUCCEEDED
    assert Customer.objects.count() == expected["customers"] == 4372
    assert Order.objects.count() == expected["orders"]
    assert OrderLine.objects.filter(returned_item_quantity__lt=0).count() == expected["returns"]
    assert OrderLine.objects.count() == expected["purchase_lines"] + expected["returns"]
    assert data_import.unmatched_returns == expected["cancellations"] - expected["returns"]


def _independent_counts(data: pd.DataFrame) -> dict[str, int]:
    """Counted straight from the raw file with plain pandas."""
    invoice = data["InvoiceNo"].astype(str)
    stamp = data["InvoiceDate"]
    known = data["CustomerID"].notna()
    cancelled = invoice.str.startswith("C")
    purchase = known & ~cancelled & ~invoice.str.startswith("A") & (data["Quantity"] > 0)
    cancellation = known & cancelled
    first_purchase = stamp[purchase].groupby(data["CustomerID"][purchase]).min()
    earliest = data["CustomerID"][cancellation].map(first_purchase)
    return {
        "customers": data["CustomerID"][known].nunique(),
        "orders": invoice[purchase].nunique(),
        "purchase_lines": int(purchase.sum()),
        "cancellations": int(cancellation.sum()),
        "returns": int((earliest < stamp[cancellation]).sum()),
    }


def _running_upload(settings, tmp_path, started_seconds_ago: float) -> DataImport:
    settings.MEDIA_ROOT = tmp_path
    content = write_csv(tmp_path / "o.csv", a_few_orders()).read_bytes()
    data_import = DataImport(file_name="orders.csv", status=Status.RUNNING)
    data_import.file.save("orders.csv", SimpleUploadedFile("orders.csv", content), save=False)
    data_import.started_at = timezone.now() - dt.timedelta(seconds=started_seconds_ago)
    data_import.heartbeat_at = data_import.started_at
    data_import.save()
    return data_import


def test_process_import_left_running_by_dead_worker_is_taken_over(settings, tmp_path):
    stale = _running_upload(settings, tmp_path, settings.SEGWEB_STALE_SECONDS + 1)
    done = imports.process_import(stale.pk)
    assert (done.status, done.lines_imported, done.attempts) == (Status.SUCCEEDED, 5, 1)
    assert not done.file  # the upload is removed once imported


def test_process_import_running_in_a_live_worker_is_left_alone(settings, tmp_path):
    live = _running_upload(settings, tmp_path, 5)
    assert imports.process_import(live.pk).status == Status.RUNNING
    assert not OrderLine.objects.exists()


def test_import_file_far_from_the_data_is_held_and_writes_nothing(tmp_path: Path) -> None:
    shop, old = far_files(tmp_path)
    imports.import_file(shop)
    held = imports.import_file(old)
    assert held.status == DataImport.Status.HELD
    assert "9 years before the data already here" in held.warnings[0]
    assert OrderLine.objects.count() == 5 and held.lines_imported == 0
    assert imports.import_file(old, confirmed=True).status == DataImport.Status.SUCCEEDED
    assert OrderLine.objects.count() == 10


def test_process_import_held_upload_kept_then_applied(
    tmp_path: Path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    shop, old = far_files(tmp_path)
    imports.import_file(shop)
    upload = SimpleUploadedFile("old.csv", old.read_bytes())
    with django_capture_on_commit_callbacks():  # not sent: the task is run directly below
        data_import = imports.start_import(upload, "auto", None)
    imports.process_import(data_import.pk)
    data_import.refresh_from_db()
    assert data_import.status == DataImport.Status.HELD and data_import.file
    assert not imports.apply_held_import(DataImport.objects.get(pk=shop_import_pk()), None)
    with django_capture_on_commit_callbacks():
        assert imports.apply_held_import(data_import, None)
    imports.process_import(data_import.pk)
    data_import.refresh_from_db()
    assert data_import.status == DataImport.Status.SUCCEEDED and data_import.confirmed
    assert not data_import.file  # removed once it had an outcome


def shop_import_pk() -> int:
    return DataImport.objects.order_by("pk").values_list("pk", flat=True).first()
