"""Import an order-line file (shopify, online-retail or generic) in one transaction."""

from __future__ import annotations

from segments.importers.detect import ORDERS
from segments.management.import_command import ImportFileCommand


class Command(ImportFileCommand):
    help = "Import order lines from a .csv, .csv.gz, .xlsx or .parquet file."
    kind = ORDERS
