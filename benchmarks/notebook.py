"""The original notebook's pipeline as a script: the yardstick a segmentation run is held to.

    python -m benchmarks.notebook FILE [--kmax 15] [--k 4]

Reads the Shopify export with pandas; per customer the study's three features as the product
defines them (segments/features.py; README, "How customers are described"), written as a
notebook would write them, in plain pandas group-bys; log1p; scikit-learn's KMeans (k-means++,
max_iter 500) for k = 1..kmax on every customer (the elbow's inertia), then the fit at k.
Neither Django nor segments is imported.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from benchmarks.processes import print_figures

FEATURES = ("products_ordered", "average_return_rate", "total_spending")


def read_lines(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path)


def customer_features(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per customer who ordered a unit: the three features, indexed by customer_id.

    The return rate of an order counts the units returned on all its lines, any day (not only
    the lines that ordered something), capped at 1; a customer's rate is the mean over orders.
    """
    lines = lines.assign(
        returned=lines["returned_item_quantity"].abs(),
        product_type=lines["product_type"].fillna(""),
    )
    ordering = lines[lines["ordered_item_quantity"] > 0]
    products = ordering.groupby("customer_id")["product_type"].nunique()
    orders = lines.groupby(["customer_id", "order_id"])[["ordered_item_quantity", "returned"]].sum()
    orders = orders[orders["ordered_item_quantity"] > 0]
    order_rates = (orders["returned"] / orders["ordered_item_quantity"]).clip(upper=1.0)
    return_rate = order_rates.groupby(level="customer_id").mean()
    spending = lines.groupby("customer_id")["total_sales"].sum().round(2).clip(lower=0.0)
    columns = [products, return_rate, spending]
    return pd.concat(columns, axis=1, join="inner", keys=list(FEATURES))


def fit(values: np.ndarray, k: int) -> KMeans:
    return KMeans(n_clusters=k, init="k-means++", max_iter=500, random_state=0).fit(values)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--kmax", type=int, default=15)
    parser.add_argument("--k", type=int, default=4)
    options = parser.parse_args(argv)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    lines = read_lines(options.file)
    seconds["read"] = time.perf_counter() - started
    features = customer_features(lines)
    values = np.log1p(features.to_numpy(dtype=float))
    seconds["features"] = time.perf_counter() - started - sum(seconds.values())
    inertia = [fit(values, k).inertia_ for k in range(1, options.kmax + 1)]
    seconds["elbow"] = time.perf_counter() - started - sum(seconds.values())
    model = fit(values, options.k)
    seconds["fit"] = time.perf_counter() - started - sum(seconds.values())
    sizes = np.bincount(model.labels_, minlength=options.k).tolist()
    print(f"{len(lines):,} lines, {len(features):,} customers; segment sizes {sizes}")
    print_figures(
        {"lines": len(lines), "customers": len(features), "seconds": seconds, "inertia": inertia}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
