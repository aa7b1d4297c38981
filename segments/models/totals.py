"""Each customer's order lines summed up for the features, kept current by every import."""

from __future__ import annotations

from django.db import models

from segments.models.shop import Customer


class CustomerTotals(models.Model):
    """What segments.aggregation.FEATURES_SQL gives for one customer, stored.

    Distinct product types and per-order return rates do not add up across imports, so an
    import recomputes the totals of the customers it touched from all of their lines
    (segments.services.customer_totals); a run then reads one narrow row per customer.
    """

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="totals"
    )
    products_ordered = models.IntegerField()  # product types among lines with ordered units
    rate_sum = models.FloatField()  # over orders with units U > 0: the sum of min(1, R / U)
    order_count = models.IntegerField()  # orders with ordered units
    sales = models.DecimalField(max_digits=16, decimal_places=2)
    last_order_day = models.DateField(null=True)  # the last day with ordered units
    lines = models.IntegerField()
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        verbose_name_plural = "customer totals"

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.order_count} orders, {self.lines} lines"
