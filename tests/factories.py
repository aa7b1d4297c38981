"""factory_boy factories for the models; tests build only what they need."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from segments import models, roles

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def marketing_user(**kwargs) -> object:
    return UserFactory(role=roles.MARKETING, **kwargs)


def admin_user(**kwargs) -> object:
    return UserFactory(role=roles.ADMIN, **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Customer

    external_id = factory.Sequence(lambda n: f"C{n:06d}")
    first_order_day = dt.date(2019, 1, 1)
    last_order_day = dt.date(2019, 3, 1)


class DataImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataImport

    file_name = "orders.csv"
    detected_format = models.DataImport.Format.SHOPIFY
    status = models.DataImport.Status.SUCCEEDED


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Order

    external_id = factory.Sequence(lambda n: f"O{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    day = dt.date(2019, 1, 1)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrderLine

    line_key = factory.Sequence(lambda n: f"{n:032x}")
    data_import = factory.SubFactory(DataImportFactory)
    order = factory.SubFactory(OrderFactory)
    customer = factory.SelfAttribute("order.customer")
    day = factory.SelfAttribute("order.day")
    product_title = "Product A"
    product_type = "Product Type 1"
    ordered_item_quantity = 1
    net_quantity = 1
    total_sales = 100


class SegmentationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SegmentationRun

    status = models.SegmentationRun.Status.SUCCEEDED
    trigger = models.SegmentationRun.Trigger.MANUAL
    chosen_k = 2
    suggested_k = 2


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Segment

    run = factory.SubFactory(SegmentationRunFactory)
    index = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Segment {n}")
    colour = "#1f77b4"
    size = 1
    share = 1.0
    centroid = factory.LazyFunction(lambda: [0.0, 0.0, 0.0])


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Assignment

    segment = factory.SubFactory(SegmentFactory)
    run = factory.SelfAttribute("segment.run")
    customer = factory.SubFactory(CustomerFactory)
    products_ordered = 1
    average_return_rate = 0.0
    total_spending = 100.0
    input_1 = 0.69
    input_2 = 0.0
    input_3 = 4.6
    distance = 0.1


class StrategyNoteRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StrategyNoteRevision

    segment = factory.SubFactory(SegmentFactory)
    run_number = factory.SelfAttribute("segment.run_id")
    segment_name = factory.SelfAttribute("segment.display_name")
    text = "Keep them engaged."


class ExportRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ExportRecord

    run = factory.SubFactory(SegmentationRunFactory)
    run_number = factory.SelfAttribute("run.pk")
    rows = 0


def segmented_run(sizes: tuple[int, ...] = (2, 1), **run_fields) -> models.SegmentationRun:
    """A succeeded run with one segment per size and that many assigned customers in each."""
    run = SegmentationRunFactory(chosen_k=len(sizes), **run_fields)
    total = sum(sizes)
    for index, size in enumerate(sizes):
        segment = SegmentFactory(run=run, index=index, size=size, share=size / total)
        AssignmentFactory.create_batch(size, segment=segment)
    return run


# A tiny campaign audience for the list tests: each contact case once, every value visible.
# ANA accepts email; BO has an email but no consent; CY has neither email nor phone;
# DEE has only a phone, with SMS consent (reachable by Meta and Google, not by email tools).
ANA = {
    "external_id": "C-ANA", "first_name": "Ana", "last_name": "L\u00f3pez",
    "email": "ana.lopez@example.com", "phone": "+442079460958", "country": "GB",
    "accepts_email_marketing": True, "accepts_sms_marketing": False,
}  # fmt: skip
BO = {
    "external_id": "C-BO", "first_name": "Bo", "last_name": "Berg",
    "email": "bo@example.com", "phone": "", "country": "US",
    "accepts_email_marketing": False, "accepts_sms_marketing": False,
}  # fmt: skip
CY = {
    "external_id": "C-CY", "first_name": "Cy", "last_name": "",
    "email": "", "phone": "", "country": "FR",
    "accepts_email_marketing": True, "accepts_sms_marketing": True,
}  # fmt: skip
DEE = {
    "external_id": "C-DEE", "first_name": "Dee", "last_name": "Dunn",
    "email": "", "phone": "+33612345678", "country": "FR",
    "accepts_email_marketing": False, "accepts_sms_marketing": True,
}  # fmt: skip


def contact_run(*segments: tuple[str, list[dict]], **run_fields) -> models.SegmentationRun:
    """A succeeded run with one segment per (name, people) pair, in order (numbers 1, 2, ...),
    and one customer per dict of Customer fields (contact details included)."""
    run = SegmentationRunFactory(chosen_k=len(segments), **run_fields)
    total = sum(len(people) for _, people in segments) or 1
    for index, (name, people) in enumerate(segments):
        segment = SegmentFactory(
            run=run, index=index, name=name, size=len(people), share=len(people) / total
        )
        for fields in people:
            AssignmentFactory(segment=segment, customer=CustomerFactory(**fields))
    return run


def campaign_run(**run_fields) -> models.SegmentationRun:
    """Segment 1 "Occasional" holds ANA and BO, segment 2 "VIP · Loyal" holds CY and DEE."""
    return contact_run(("Occasional", [ANA, BO]), ("VIP \u00b7 Loyal", [CY, DEE]), **run_fields)
