from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from segments.aggregation import load_customer_features, order_lines_frame
from segments.features import FEATURE_COLUMNS, build_features
from segments.models import Customer
from segments.services import customer_totals
from tests.run_data import demo_lines, insert_lines, lines_frame
from tests.test_features import EXPECTED, FIXTURE_ROWS

pytestmark = pytest.mark.django_db


def by_customer(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values("customer_id", ignore_index=True)
    return ordered.astype({"customer_id": object})


def assert_same_features(database: pd.DataFrame, reference: pd.DataFrame) -> None:
    database, reference = by_customer(database), by_customer(reference)
    assert list(database.columns) == list(FEATURE_COLUMNS)
    assert database["customer_id"].tolist() == reference["customer_id"].tolist()
    for column in ("products_ordered", "recency_days", "order_count"):
        np.testing.assert_array_equal(database[column], reference[column], err_msg=column)
    for column in ("average_return_rate", "total_spending"):
        np.testing.assert_allclose(
            database[column], reference[column], rtol=1e-12, atol=1e-12, err_msg=column
        )


def test_load_customer_features_fixture_matches_hand_computed_values():
    insert_lines(lines_frame(FIXTURE_ROWS))

    loaded = load_customer_features()

    assert_same_features(loaded.features.frame, EXPECTED)
    assert loaded.features.excluded_customer_ids == ["C"]


def test_load_customer_features_snapshot_describes_the_data():
    insert_lines(lines_frame(FIXTURE_ROWS))

    snapshot = load_customer_features().snapshot

    assert snapshot.lines == len(FIXTURE_ROWS)
    assert snapshot.customers == 3
    assert snapshot.customers_excluded == 1
    assert snapshot.first_day == dt.date(2019, 1, 1)
    assert snapshot.last_day == dt.date(2019, 3, 10)


def test_load_customer_features_customer_pks_follow_the_rows():
    insert_lines(lines_frame(FIXTURE_ROWS))

    loaded = load_customer_features()

    external = dict(Customer.objects.values_list("pk", "external_id"))
    ids = [external[pk] for pk in loaded.customer_pks]
    assert ids == loaded.features.frame["customer_id"].tolist()


def test_load_customer_features_empty_database_gives_no_customers():
    loaded = load_customer_features()

    assert loaded.features.frame.empty
    assert loaded.snapshot.lines == 0
    assert loaded.snapshot.last_day is None


def test_order_lines_frame_round_trips_the_canonical_lines():
    lines = lines_frame(FIXTURE_ROWS)
    insert_lines(lines)

    loaded = order_lines_frame()

    assert len(loaded) == len(lines)
    assert_same_features(build_features(loaded).frame, EXPECTED)


def test_load_customer_features_generated_export_matches_pandas_path():
    lines = demo_lines(25_000, seed=7)
    insert_lines(lines)

    database = load_customer_features()
    from_lines = build_features(lines)
    from_stored_lines = build_features(order_lines_frame())

    assert len(database.features.frame) > 20_000
    assert_same_features(database.features.frame, from_lines.frame)
    assert_same_features(database.features.frame, from_stored_lines.frame)
    assert database.features.excluded_customer_ids == from_lines.excluded_customer_ids
    assert database.snapshot.lines == len(lines)


def test_load_customer_features_without_external_ids_same_numbers_and_counts():
    insert_lines(lines_frame(FIXTURE_ROWS))

    full = load_customer_features()
    lean = load_customer_features(external_ids=False)

    assert "customer_id" not in lean.features.frame.columns
    pd.testing.assert_frame_equal(
        lean.features.frame, full.features.frame.drop(columns="customer_id")
    )
    np.testing.assert_array_equal(lean.customer_pks, full.customer_pks)
    assert lean.snapshot == full.snapshot
    assert lean.snapshot.customers_excluded == 1


def test_load_customer_features_rows_stay_in_customer_order_after_a_refresh():
    insert_lines(lines_frame(FIXTURE_ROWS))
    first = Customer.objects.order_by("pk").first()
    with connection.cursor() as cursor:  # rewritten totals move to the end of the table
        customer_totals.refresh_customer_totals(cursor, [first.pk])

    pks = load_customer_features().customer_pks

    assert pks[0] == first.pk
    assert list(pks) == sorted(pks)
