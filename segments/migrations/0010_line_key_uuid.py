"""Order-line keys become 128-bit digests stored as uuid, computed without Python per line.

The old keys (32 hex digits of a BLAKE2b digest) cast to uuid as they are, then every stored
line's key is recomputed with importers/keys.py, reading the lines in id order in batches: the
repeats of a content are numbered over all stored lines, which is what an import of any file
holding them computes (each import adds only the repeats beyond those already stored).
The customer indexes of lines and orders go: their (customer, order) and (customer, day) indexes
serve the same reads; so does the order id's pattern index, which no query uses.
"""

from __future__ import annotations

import io

import django.db.models.deletion
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import migrations, models

from segments.importers.base import AMOUNT_COLUMNS, CANONICAL_COLUMNS, QUANTITY_COLUMNS
from segments.importers.keys import LineKeyer

BATCH_LINES = 250_000
ORDER_ID_PATTERN_INDEX = "segments_order_external_id_6b5295d3_like"
TEXTS = [c for c in CANONICAL_COLUMNS if c not in ("day", *QUANTITY_COLUMNS, *AMOUNT_COLUMNS)]
SELECT_LINES = f"""SELECT l.id, c.external_id AS customer_id, o.external_id AS order_id,
    {", ".join(f"l.{column}" for column in CANONICAL_COLUMNS[2:])}
    FROM segments_orderline l
    JOIN segments_order o ON o.id = l.order_id
    JOIN segments_customer c ON c.id = l.customer_id
    WHERE l.id > %s ORDER BY l.id LIMIT %s"""


def recompute_line_keys(apps, schema_editor) -> None:
    keyer = LineKeyer()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE new_line_keys (id bigint, line_key uuid)")
        last = 0
        while len(lines := _read_lines(cursor, last)):
            keys = pd.DataFrame({"id": lines.index, "line_key": keyer.keys(lines).to_numpy()})
            _copy_in(cursor, keys)
            last = int(lines.index[-1])
        cursor.execute(
            """UPDATE segments_orderline l SET line_key = n.line_key
            FROM new_line_keys n WHERE l.id = n.id"""
        )
        cursor.execute("DROP TABLE new_line_keys")


def _read_lines(cursor, after: int) -> pd.DataFrame:
    """A batch of stored lines in the canonical shape the importers give keys to."""
    query = cursor.mogrify(SELECT_LINES, [after, BATCH_LINES])
    buffer = io.BytesIO()
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pd.DataFrame()
    names = ["id", *CANONICAL_COLUMNS]
    types = {"id": pa.int64(), "day": pa.date32(), **dict.fromkeys(TEXTS, pa.string())}
    types.update(dict.fromkeys(QUANTITY_COLUMNS, pa.int64()))
    types.update(dict.fromkeys(AMOUNT_COLUMNS, pa.float64()))
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
    )
    lines = table.to_pandas().set_index("id")
    lines["day"] = pd.to_datetime(lines["day"])
    return lines


def _copy_in(cursor, keys: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=False)
    pa_csv.write_csv(pa.Table.from_pandas(keys, preserve_index=False), buffer, options)
    with cursor.copy("COPY new_line_keys (id, line_key) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0009_imports_removed_or_held"),
    ]

    operations = [
        migrations.AlterField(
            model_name="orderline",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="segments.customer",
            ),
        ),
        migrations.AlterField(
            model_name="orderline",
            name="line_key",
            field=models.UUIDField(unique=True),
        ),
        migrations.RunPython(recompute_line_keys),
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="orders",
                to="segments.customer",
            ),
        ),
        # Nothing searches order ids by prefix (customer ids keep theirs: the customer search).
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS {ORDER_ID_PATTERN_INDEX}",
            f"CREATE INDEX {ORDER_ID_PATTERN_INDEX} ON segments_order "
            "(external_id varchar_pattern_ops)",
        ),
    ]
