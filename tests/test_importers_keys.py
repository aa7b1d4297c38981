from __future__ import annotations

from segments.importers import shopify
from segments.importers.keys import LineKeyer, line_keys
from tests.import_samples import a_few_orders, shopify_frame, shopify_row


def _lines(rows):
    return shopify.parse(shopify_frame(rows)).lines


def test_line_keys_same_content_same_key_across_files():
    rows = a_few_orders()
    assert line_keys(_lines(rows)).tolist()[1:] == line_keys(_lines(rows[1:])).tolist()


def test_line_keys_identical_rows_get_distinct_keys():
    keys = line_keys(_lines([shopify_row(), shopify_row()]))
    assert keys.nunique() == 2
    assert all(len(key) == 32 for key in keys)


def test_line_keys_spelling_of_amount_does_not_matter():
    one = line_keys(_lines([shopify_row(total_sales="120")]))
    other = line_keys(_lines([shopify_row(total_sales="120.00")]))
    assert one.tolist() == other.tolist()


def test_line_keys_any_changed_value_changes_key():
    base_key = line_keys(_lines([shopify_row()]))[2]
    assert line_keys(_lines([shopify_row(discounts="-1")]))[2] != base_key
    assert line_keys(_lines([shopify_row(day="06/01/2019")]))[2] != base_key


def test_line_keys_fixed_digests_never_change():
    # Stored keys depend on these values: a change (say, of pandas' hashing) must fail here,
    # and then needs a migration recomputing the stored keys.
    keys = line_keys(_lines([shopify_row(), shopify_row()]))
    assert keys.tolist() == ["eea662546804213019d20fefda9b821b", "5dd299e2ab3d9cd85b08da79e00418cf"]


def test_line_keyer_chunks_numbered_as_one_file():
    rows = [shopify_row(), *a_few_orders(), shopify_row(), shopify_row(), a_few_orders()[1]]
    lines = _lines(rows)
    keyer = LineKeyer()
    chunked = [key for at in range(0, len(lines), 2) for key in keyer.keys(lines.iloc[at : at + 2])]
    assert chunked == line_keys(lines).tolist()
    assert len(set(chunked)) == len(rows)
