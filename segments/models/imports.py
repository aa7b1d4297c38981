"""Imports of order lines and customer contacts: what came in, and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DataImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        ORDERS = "orders", "Order lines"
        CONTACTS = "contacts", "Customer contacts"

    class Format(models.TextChoices):
        SHOPIFY = "shopify", "Shopify sales by product variant"
        ONLINE_RETAIL = "online-retail", "UCI Online Retail"
        GENERIC = "generic", "Generic order lines"
        SHOPIFY_CUSTOMERS = "shopify-customers", "Shopify customer export"
        GENERIC_CUSTOMERS = "generic-customers", "Generic customer contacts"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds while a worker imports: a silent one has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ORDERS)
    requested_format = models.CharField(max_length=20, default="auto")
    detected_format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    lines_imported = models.PositiveIntegerField(default=0)
    lines_already_present = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    rows_rejected = models.PositiveIntegerField(default=0)
    customers_created = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    unmatched_returns = models.PositiveIntegerField(default=0)
    # Contact imports: customers whose details changed, ids with no orders yet, consent changes.
    contacts_updated = models.PositiveIntegerField(default=0)
    customers_without_orders = models.PositiveIntegerField(default=0)
    consent_changes = models.PositiveIntegerField(default=0)
    # First problems as {"row", "column", "value", "reason"}; errors_total counts them all.
    errors = models.JSONField(default=list, blank=True)
    errors_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
