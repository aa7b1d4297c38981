from __future__ import annotations

from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from segments.importers.detect import CONTACTS, ORDERS
from segments.models import ConsentChange, Customer, DataImport, Order, RunSummary
from segments.services import imports, run_summaries
from tests.contact_samples import SHOPIFY_PEOPLE, generic_frame, shopify_frame, shopify_old_frame
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    OrderFactory,
    SegmentationRunFactory,
    SegmentFactory,
)
from tests.import_samples import a_few_orders, write_csv

pytestmark = pytest.mark.django_db
Status = DataImport.Status
ANA, BO, CY, DEE = (person[0].removeprefix("'") for person in SHOPIFY_PEOPLE)


def write_frame(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def import_frame(
    tmp_path: Path, frame: pd.DataFrame, name: str = "customers.csv", **options
) -> DataImport:
    return imports.import_file(write_frame(tmp_path / name, frame), **options)


def contact(external_id: str) -> dict[str, object]:
    return Customer.objects.filter(external_id=external_id).values(
        "email", "first_name", "last_name", "phone", "country",
        "accepts_email_marketing", "accepts_sms_marketing",
    ).get()  # fmt: skip


def consents(data_import: DataImport) -> set[tuple[str, str, bool]]:
    rows = ConsentChange.objects.filter(data_import=data_import)
    return {(c.customer.external_id, c.channel, c.accepts) for c in rows.select_related("customer")}


def database_state() -> dict[str, object]:
    customers = Customer.objects.order_by("external_id")
    return {
        "customers": list(customers.values()),
        "consents": list(ConsentChange.objects.values_list("customer_id", "channel", "accepts")),
    }


def test_import_file_shopify_contacts_attach_to_known_customer_by_id(tmp_path):
    known = OrderFactory(customer=CustomerFactory(external_id=ANA)).customer
    data_import = import_frame(tmp_path, shopify_frame())
    assert (data_import.status, data_import.kind) == (Status.SUCCEEDED, CONTACTS)
    assert data_import.detected_format == "shopify-customers"
    assert data_import.rows_read == 4
    known.refresh_from_db()
    assert (known.email, known.first_name, known.contact_import) == (
        "ana.lopez@example.com",
        "Ana",
        data_import,
    )
    assert known.first_order_day is not None


def test_import_file_contacts_unknown_ids_become_customers_without_orders(tmp_path):
    OrderFactory(customer=CustomerFactory(external_id=ANA))
    data_import = import_frame(tmp_path, shopify_frame())
    assert (data_import.customers_created, data_import.customers_without_orders) == (3, 3)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {ANA, BO, CY, DEE}
    assert not Order.objects.filter(customer__external_id__in=[BO, CY, DEE]).exists()
    assert Customer.objects.get(external_id=BO).first_order_day is None


@pytest.mark.parametrize(
    ("external_id", "expected"),
    [
        (ANA, {"email": "ana.lopez@example.com", "first_name": "Ana", "last_name": "L\u00f3pez",
               "phone": "+442079460958", "country": "GB", "accepts_email_marketing": True,
               "accepts_sms_marketing": False}),
        (BO, {"email": "bo@example.com", "first_name": "Bo", "last_name": "Berg",
              "phone": "+14155552671", "country": "US", "accepts_email_marketing": False,
              "accepts_sms_marketing": True}),
        (DEE, {"email": "", "first_name": "", "last_name": "", "phone": "", "country": "",
               "accepts_email_marketing": False, "accepts_sms_marketing": False}),
    ],
)  # fmt: skip
def test_import_file_contacts_stored_normalised(tmp_path, external_id, expected):
    import_frame(tmp_path, shopify_frame())
    assert contact(external_id) == expected


def test_import_file_contacts_first_import_records_every_consent(tmp_path):
    data_import = import_frame(tmp_path, shopify_frame())
    assert data_import.consent_changes == 8
    assert (ANA, "email", True) in consents(data_import)
    assert (BO, "sms", True) in consents(data_import)
    assert (DEE, "email", False) in consents(data_import)


def test_import_file_contacts_changed_consent_later_file_wins(tmp_path):
    first = import_frame(tmp_path, generic_frame(), "first.csv")
    later = generic_frame(accepts_email_marketing="no", accepts_sms_marketing="yes")
    second = import_frame(tmp_path, later, "second.csv")
    customer = Customer.objects.get(external_id="c1")
    assert (customer.accepts_email_marketing, customer.accepts_sms_marketing) == (False, True)
    assert consents(first) == {("c1", "email", True), ("c1", "sms", False)}
    assert consents(second) == {("c1", "email", False), ("c1", "sms", True)}
    assert (second.consent_changes, second.contacts_updated, second.customers_created) == (2, 1, 0)
    assert customer.contact_import == second


def test_import_file_contacts_one_channel_changed_one_history_row(tmp_path):
    import_frame(tmp_path, generic_frame(), "first.csv")
    second = import_frame(tmp_path, generic_frame(accepts_sms_marketing="1"), "second.csv")
    assert consents(second) == {("c1", "sms", True)}
    assert ConsentChange.objects.count() == 3


def test_import_file_contacts_unchanged_reimport_records_nothing(tmp_path):
    path = write_frame(tmp_path / "customers.csv", shopify_frame())
    imports.import_file(path)
    before = database_state()
    again = imports.import_file(path)
    assert again.status == Status.SUCCEEDED
    assert (again.contacts_updated, again.consent_changes, again.customers_created) == (0, 0, 0)
    assert again.customers_without_orders == 4
    assert not ConsentChange.objects.filter(data_import=again).exists()
    after = database_state()
    assert after["consents"] == before["consents"]
    # Only the pointer to the latest import that spoke for each customer moves.
    for customer in after["customers"]:
        assert customer.pop("contact_import_id") == again.pk
    for customer in before["customers"]:
        customer.pop("contact_import_id")
    assert after["customers"] == before["customers"]


def test_import_file_contacts_generic_without_phone_keeps_stored_phone(tmp_path):
    import_frame(tmp_path, shopify_frame(), "shopify.csv")
    frame = generic_frame(customer_id=ANA, email="ana@new.example.com")
    data_import = import_frame(tmp_path, frame.drop(columns=["phone"]), "generic.csv")
    assert data_import.status == Status.SUCCEEDED
    stored = contact(ANA)
    assert (stored["email"], stored["phone"]) == ("ana@new.example.com", "+442079460958")
    assert (stored["first_name"], stored["country"]) == ("Cara", "GB")


def test_import_file_contacts_old_shopify_export_keeps_sms_consent(tmp_path):
    import_frame(tmp_path, shopify_frame(), "current.csv")
    old = import_frame(tmp_path, shopify_old_frame(), "old.csv")
    assert old.status == Status.SUCCEEDED
    assert contact(BO)["accepts_sms_marketing"] is True
    assert not ConsentChange.objects.filter(data_import=old, channel="sms").exists()


def test_import_file_orders_after_contacts_keep_contacts_and_add_order_days(tmp_path):
    import_frame(tmp_path, generic_frame(customer_id="5000000000017"))
    orders = imports.import_file(write_csv(tmp_path / "orders.csv", a_few_orders()))
    assert (orders.status, orders.customers_created) == (Status.SUCCEEDED, 1)
    customer = Customer.objects.get(external_id="5000000000017")
    assert (customer.email, customer.phone) == ("c1@example.com", "+441514960000")
    assert customer.first_order_day is not None


def test_import_file_contacts_after_orders_count_only_customers_without_orders(tmp_path):
    imports.import_file(write_csv(tmp_path / "orders.csv", a_few_orders()))
    frame = pd.concat([generic_frame(customer_id="5000000000017"), generic_frame(customer_id="x")])
    data_import = import_frame(tmp_path, frame)
    assert (data_import.customers_created, data_import.customers_without_orders) == (1, 1)
    assert Customer.objects.get(external_id="5000000000017").email == "c1@example.com"


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (generic_frame(customer_id=ANA, email="ana@"),
         {"row": 2, "column": "email", "value": "ana@", "reason": "not a valid email address"}),
        (generic_frame(customer_id=ANA, phone="call me"),
         {"row": 2, "column": "phone", "value": "call me", "reason": "not a phone number"}),
        (shopify_frame([SHOPIFY_PEOPLE[1], SHOPIFY_PEOPLE[0], (SHOPIFY_PEOPLE[1][0], "Bob",
                        *SHOPIFY_PEOPLE[1][2:])]),
         {"row": 4, "column": "Customer ID", "value": BO,
          "reason": "customer id appears more than once in this file"}),
    ],
)  # fmt: skip
def test_import_file_contacts_refused_writes_nothing(tmp_path, frame, problem):
    import_frame(tmp_path, shopify_frame(), "first.csv")
    before = database_state()
    data_import = import_frame(tmp_path, frame, "bad.csv")
    assert (data_import.status, data_import.kind) == (Status.REFUSED, CONTACTS)
    assert data_import.errors == [problem]
    assert (data_import.errors_total, data_import.rows_rejected) == (1, 1)
    assert (data_import.contacts_updated, data_import.consent_changes) == (0, 0)
    assert database_state() == before
    assert DataImport.objects.get(pk=data_import.pk).errors == [problem]


def test_import_file_contacts_unexpected_error_recorded_as_failed(tmp_path):
    with mock.patch.object(imports, "save_contacts", side_effect=RuntimeError("disk full")):
        data_import = import_frame(tmp_path, generic_frame())
    assert data_import.status == Status.FAILED
    assert "disk full" in data_import.error_message
    assert not Customer.objects.exists()


def contacts_file(tmp_path: Path) -> Path:
    return write_frame(tmp_path / "customers.csv", shopify_frame())


def orders_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "orders.csv", a_few_orders())


@pytest.mark.parametrize(
    ("make_file", "requested", "kind", "reason"),
    [
        (contacts_file, "auto", ORDERS, "the header matches none of the formats shopify"),
        (contacts_file, "shopify-customers", ORDERS, "unknown format 'shopify-customers'"),
        (orders_file, "auto", CONTACTS, "the header matches none of the formats shopify-"),
        (orders_file, "shopify", CONTACTS, "unknown format 'shopify'"),
    ],
)
def test_import_file_other_kind_refused(tmp_path, make_file, requested, kind, reason):
    data_import = imports.import_file(make_file(tmp_path), requested, kind=kind)
    assert (data_import.status, data_import.kind) == (Status.REFUSED, kind)
    assert data_import.errors[0]["reason"].startswith(reason)
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("frame", "detected"),
    [
        (shopify_frame(), "shopify-customers"),
        (shopify_old_frame(), "shopify-customers"),
        (generic_frame(), "generic-customers"),
    ],
)
def test_process_import_upload_detected_as_contacts_by_header(
    settings, tmp_path, django_capture_on_commit_callbacks, frame, detected
):
    settings.MEDIA_ROOT = tmp_path
    content = frame.to_csv(index=False).encode()
    with (
        mock.patch("segments.tasks.import_orders_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        upload = SimpleUploadedFile("export.csv", content)
        pending = imports.start_import(upload, "auto", None)
    done = imports.process_import(pending.pk)
    assert (done.status, done.kind, done.detected_format) == (Status.SUCCEEDED, CONTACTS, detected)
    assert done.customers_created == len(frame)
    assert DataImport.objects.get(pk=done.pk).kind == CONTACTS


def test_import_summary_contacts_names_contact_counts():
    data_import = DataImport(
        kind=CONTACTS,
        file_name="customers.csv",
        detected_format="shopify-customers",
        rows_read=1200,
        contacts_updated=1100,
        consent_changes=40,
        customers_created=3,
        customers_without_orders=5,
    )
    assert imports.import_summary(data_import, 1.25) == (
        "imported 1,200 contacts: 1,100 known customers' details changed, 40 consent changes "
        "recorded, 3 customers not seen before, 5 without orders yet from customers.csv "
        "[shopify-customers] in 1.2 s"
    )


def test_import_file_contacts_recount_the_current_runs_reach(tmp_path):
    segment = SegmentFactory(run=SegmentationRunFactory(finished_at=timezone.now()))
    for external_id in (ANA, BO, CY):
        AssignmentFactory(segment=segment, customer=CustomerFactory(external_id=external_id))
    assert run_summaries.segments_with_reach(segment.run)[0].reachable_by_email == 0
    data_import = import_frame(tmp_path, shopify_frame())
    summary = RunSummary.objects.get(run=segment.run)
    assert (summary.reach, summary.reach_version) == ({str(segment.pk): [2, 1]}, data_import.pk)
