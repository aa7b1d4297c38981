"""The shop's data: customers (with contacts and consent), orders and order lines."""

from __future__ import annotations

from django.db import models

from segments.models.imports import DataImport

MONEY = {"max_digits": 14, "decimal_places": 2}


class Customer(models.Model):
    external_id = models.CharField("customer id", max_length=64, unique=True)
    first_order_day = models.DateField(null=True, blank=True)
    last_order_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Contact details and marketing consent, from the shop's customer export (the later wins).
    # Database defaults too: the order import inserts customers with plain SQL.
    email = models.CharField(max_length=254, blank=True, db_default="")  # validated, lower case
    first_name = models.CharField(max_length=150, blank=True, db_default="")
    last_name = models.CharField(max_length=150, blank=True, db_default="")
    phone = models.CharField(max_length=20, blank=True, db_default="")  # E.164
    country = models.CharField(max_length=2, blank=True, db_default="")  # ISO 3166-1 alpha-2
    accepts_email_marketing = models.BooleanField(db_default=False)
    accepts_sms_marketing = models.BooleanField(db_default=False)
    contact_import = models.ForeignKey(
        "DataImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.external_id

    @property
    def reachable_by_email(self) -> bool:
        return bool(self.email) and self.accepts_email_marketing

    @property
    def reachable_by_sms(self) -> bool:
        return bool(self.phone) and self.accepts_sms_marketing


class Order(models.Model):
    external_id = models.CharField("order id", max_length=64, unique=True)
    # The (customer, day) index below serves the reads by customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["customer", "day"])]

    def __str__(self) -> str:
        return self.external_id


class OrderLine(models.Model):
    """One row of the shop's export, with every column of the reference format kept."""

    # Natural key: a 128-bit digest of the row's content and its occurrence number among
    # identical rows of its file (importers/keys.py), so a re-imported or overlapping file adds
    # nothing twice.
    line_key = models.UUIDField(unique=True)
    data_import = models.ForeignKey(DataImport, on_delete=models.PROTECT, related_name="lines")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # The order's customer, kept on the line for per-customer reads; the (customer, order)
    # index below serves them, so the foreign key needs no index of its own.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    day = models.DateField()
    product_title = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    variant_title = models.CharField(max_length=255, blank=True)
    variant_sku = models.CharField(max_length=255, blank=True)
    variant_id = models.CharField(max_length=64, blank=True)
    net_quantity = models.IntegerField(default=0)
    ordered_item_quantity = models.IntegerField(default=0)
    # Stored as in the export: zero or negative.
    returned_item_quantity = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY, default=0)
    discounts = models.DecimalField(**MONEY, default=0)
    returns = models.DecimalField(**MONEY, default=0)
    net_sales = models.DecimalField(**MONEY, default=0)
    taxes = models.DecimalField(**MONEY, default=0)
    total_sales = models.DecimalField(**MONEY, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "order"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.product_title or self.product_type}"


class ConsentChange(models.Model):
    """A customer's marketing consent on one channel as an import set it (append-only history)."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    data_import = models.ForeignKey(
        DataImport, null=True, on_delete=models.SET_NULL, related_name="consent_changes_made"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    accepts = models.BooleanField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        verb = "accepts" if self.accepts else "declines"
        return f"{self.customer_id} {verb} {self.channel} from {self.changed_at:%Y-%m-%d}"
