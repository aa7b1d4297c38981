"""A run at scale: per-customer totals, leaner assignment indexes, one k-means++ start.

The totals are kept current by every import, so a run no longer aggregates every line; those
of the data already there are filled here, with the aggregation of that day
(segments.aggregation.FEATURES_SQL, copied so later changes there cannot change this step).
The assignments lose the single-column indexes of their foreign keys (each leads another index),
and new runs fit K-means once (scikit-learn's default) instead of ten times.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

FILL_TOTALS = """
INSERT INTO segments_customertotals (customer_id, products_ordered, rate_sum, order_count,
                                     sales, last_order_day, lines, first_day, last_day)
WITH per_order AS (
    SELECT customer_id,
           SUM(ordered_item_quantity) AS units,
           SUM(ABS(returned_item_quantity)) AS units_returned,
           SUM(total_sales) AS sales,
           MAX(CASE WHEN ordered_item_quantity > 0 THEN day END) AS last_order_day,
           COUNT(*) AS lines, MIN(day) AS first_day, MAX(day) AS last_day
    FROM segments_orderline
    GROUP BY customer_id, order_id
),
per_customer AS (
    SELECT customer_id,
           COUNT(*) FILTER (WHERE units > 0) AS order_count,
           COALESCE(SUM(LEAST(1.0, units_returned::double precision / units))
                    FILTER (WHERE units > 0), 0.0) AS rate_sum,
           SUM(sales) AS sales,
           MAX(last_order_day) AS last_order_day,
           SUM(lines) AS lines, MIN(first_day) AS first_day, MAX(last_day) AS last_day
    FROM per_order
    GROUP BY customer_id
),
type_pairs AS (
    SELECT customer_id, product_type
    FROM segments_orderline
    WHERE ordered_item_quantity > 0
    GROUP BY customer_id, product_type
),
product_types AS (
    SELECT customer_id, COUNT(*) AS products_ordered FROM type_pairs GROUP BY customer_id
)
SELECT p.customer_id, COALESCE(t.products_ordered, 0), p.rate_sum, p.order_count,
       p.sales, p.last_order_day, p.lines, p.first_day, p.last_day
FROM per_customer AS p
LEFT JOIN product_types AS t ON t.customer_id = p.customer_id
"""


def fill_totals(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")  # or the hash aggregates spill to disk
        cursor.execute("DELETE FROM segments_customertotals")
        cursor.execute(FILL_TOTALS)


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0011_run_deleting_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerTotals",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="totals",
                        serialize=False,
                        to="segments.customer",
                    ),
                ),
                ("products_ordered", models.IntegerField()),
                ("rate_sum", models.FloatField()),
                ("order_count", models.IntegerField()),
                ("sales", models.DecimalField(decimal_places=2, max_digits=16)),
                ("last_order_day", models.DateField(null=True)),
                ("lines", models.IntegerField()),
                ("first_day", models.DateField()),
                ("last_day", models.DateField()),
            ],
            options={
                "verbose_name_plural": "customer totals",
            },
        ),
        migrations.RunPython(fill_totals, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="assignment",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="segments.customer",
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="segments.segmentationrun",
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="segment",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="segments.segment",
            ),
        ),
        migrations.AlterField(
            model_name="segmentationrun",
            name="n_init",
            field=models.PositiveSmallIntegerField(default=1),
        ),
    ]
