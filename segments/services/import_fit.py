"""Whether an import's lines fit the data already here (segments.importers.fit decides).

Runs inside the import's transaction, after its lines are written and before it commits, so a
held import leaves nothing behind. PostgreSQL-specific: percentile_cont ... FILTER.
"""

from __future__ import annotations

from django.db import connection

from segments.importers.fit import LinesSummary, fit_warnings
from segments.models import OrderLine

LINES = OrderLine._meta.db_table


def import_warnings(import_id: int) -> list[str]:
    """Why this import's lines look like another shop's, period's or currency's; [] if they
    fit, or when there is nothing else to compare them with."""
    new = _summary("data_import_id = %s", import_id)
    existing = _summary("data_import_id <> %s", import_id) if new else None
    return fit_warnings(new, existing) if new and existing else []


def _summary(where: str, import_id: int) -> LinesSummary | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT MIN(day), MAX(day),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY total_sales)
                    FILTER (WHERE ordered_item_quantity > 0 AND total_sales > 0)
            FROM {LINES} WHERE {where}""",
            [import_id],
        )
        first_day, last_day, typical = cursor.fetchone()
    if first_day is None:
        return None
    return LinesSummary(first_day, last_day, float(typical) if typical is not None else None)
