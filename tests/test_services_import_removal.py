from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from segments.models import (
    Assignment,
    AuditEvent,
    ConsentChange,
    Customer,
    DataImport,
    Order,
    OrderLine,
    SegmentationRun,
)
from segments.services import import_removal, imports
from tests import factories
from tests.import_samples import shopify_row, write_csv
from tests.test_services_customer_totals import full_aggregation, stored_totals

pytestmark = pytest.mark.django_db
ANN, BEN, CAL = "5000000000017", "5000000000034", "5000000000051"


@pytest.fixture
def two_imports(tmp_path: Path) -> tuple[DataImport, DataImport]:
    """A: Ann's order 1, Ben's order 2 (January). B: Ben's order 2 again (a later line, March)
    and Cal's order 3. Removing A takes Ann and order 1; Ben and order 2 stay with B's line."""
    first = write_csv(
        tmp_path / "a.csv",
        [
            shopify_row(customer_id=ANN, order_id="1", day="05/01/2019"),
            shopify_row(customer_id=BEN, order_id="2", day="10/01/2019"),
        ],
    )
    second = write_csv(
        tmp_path / "b.csv",
        [
            shopify_row(customer_id=BEN, order_id="2", day="10/03/2019", product_title="B"),
            shopify_row(customer_id=CAL, order_id="3", day="20/03/2019"),
        ],
    )
    return imports.import_file(first), imports.import_file(second)


def contacts_import(tmp_path: Path, *people: tuple[str, str]) -> DataImport:
    rows = [
        {"customer_id": cid, "email": email, "accepts_email_marketing": "yes"}
        for cid, email in people
    ]
    path = tmp_path / "contacts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    data_import = imports.import_file(path, "generic-customers")
    assert data_import.status == DataImport.Status.SUCCEEDED, data_import.error_message
    return data_import


def test_remove_imports_takes_only_what_no_other_import_holds(two_imports) -> None:
    first, second = two_imports
    counts = import_removal.remove_imports([first])
    assert (counts.lines, counts.orders, counts.customers) == (2, 1, 1)
    assert not DataImport.objects.filter(pk=first.pk).exists()
    assert set(Customer.objects.values_list("external_id", flat=True)) == {BEN, CAL}
    assert set(Order.objects.values_list("external_id", flat=True)) == {"2", "3"}
    assert set(OrderLine.objects.values_list("data_import", flat=True)) == {second.pk}


def test_remove_imports_moves_shared_orders_and_customers_to_remaining_days(two_imports) -> None:
    import_removal.remove_imports([two_imports[0]])
    ben = Customer.objects.get(external_id=BEN)
    assert Order.objects.get(external_id="2").day == dt.date(2019, 3, 10)
    assert (ben.first_order_day, ben.last_order_day) == (dt.date(2019, 3, 10),) * 2


def test_removal_counts_say_beforehand_what_goes(two_imports) -> None:
    expected = import_removal.removal_counts([two_imports[0]])
    assert OrderLine.objects.count() == 4  # counting removed nothing
    assert import_removal.remove_imports([two_imports[0]]) == expected


def test_remove_imports_both_leave_nothing(two_imports) -> None:
    counts = import_removal.remove_imports(list(two_imports))
    assert (counts.imports, counts.lines, counts.orders, counts.customers) == (2, 4, 3, 3)
    assert not Customer.objects.exists() and not Order.objects.exists()


def test_remove_imports_contacts_delete_contact_only_customers(two_imports, tmp_path) -> None:
    contacts = contacts_import(tmp_path, (ANN, "ann@example.com"), ("9999", "new@example.com"))
    counts = import_removal.remove_imports([contacts])
    assert (counts.customers, counts.contacts_cleared, counts.lines) == (1, 1, 0)
    ann = Customer.objects.get(external_id=ANN)
    assert (ann.email, ann.accepts_email_marketing, ann.contact_import) == ("", False, None)
    assert not Customer.objects.filter(external_id="9999").exists()


def test_remove_imports_orders_keep_customers_a_contacts_import_holds(
    two_imports, tmp_path
) -> None:
    contacts_import(tmp_path, (ANN, "ann@example.com"))
    counts = import_removal.remove_imports([two_imports[0]])
    assert counts.customers == 0
    ann = Customer.objects.get(external_id=ANN)
    assert ann.email == "ann@example.com" and ann.first_order_day is None
    assert ConsentChange.objects.filter(customer=ann).exists()


def test_remove_imports_deletes_runs_left_without_members(two_imports) -> None:
    ann, ben = (Customer.objects.get(external_id=cid) for cid in (ANN, BEN))
    only_ann = factories.segmented_run(sizes=(1,))
    Assignment.objects.filter(run=only_ann).update(customer=ann)
    mixed = factories.segmented_run(sizes=(2,))
    for assignment, customer in zip(Assignment.objects.filter(run=mixed), (ann, ben), strict=True):
        assignment.customer = customer
        assignment.save()
    counts = import_removal.remove_imports([two_imports[0]])
    assert counts.runs == 1
    assert list(SegmentationRun.objects.values_list("pk", flat=True)) == [mixed.pk]
    assert list(Assignment.objects.filter(run=mixed).values_list("customer", flat=True)) == [ben.pk]


def test_remove_imports_running_import_is_refused_and_nothing_goes(two_imports) -> None:
    DataImport.objects.filter(pk=two_imports[1].pk).update(status=DataImport.Status.RUNNING)
    with pytest.raises(import_removal.ImportBusy):
        import_removal.remove_imports(list(two_imports))
    assert OrderLine.objects.count() == 4 and DataImport.objects.count() == 2


def test_remove_imports_failure_half_way_rolls_everything_back(two_imports, monkeypatch) -> None:
    def fail(*args) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_removal, "_narrow_order_days", fail)
    with pytest.raises(RuntimeError):
        import_removal.remove_imports([two_imports[0]])
    assert OrderLine.objects.count() == 4 and Customer.objects.count() == 3
    assert DataImport.objects.count() == 2
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_REMOVED).exists()


def test_remove_imports_is_audited_with_counts(two_imports) -> None:
    user = factories.admin_user()
    import_removal.remove_imports([two_imports[0]], user)
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_REMOVED)
    assert event.actor == user and event.object_repr.startswith("a.csv")
    assert event.details["lines"] == 2 and event.details["customers"] == 1


def test_removal_counts_summary_reads_plainly() -> None:
    counts = import_removal.RemovalCounts(1, 70052, 1, 24990, 0, 2)
    assert counts.summary() == (
        "1 import, 70,052 order lines, 1 order, 24,990 customers, 2 runs made only from this data"
    )


def test_remove_imports_customer_totals_follow_what_remains(two_imports) -> None:
    import_removal.remove_imports([two_imports[0]])
    assert stored_totals() == full_aggregation()
    assert len(stored_totals()) == 2  # Ben and Cal; Ann's totals went with her
