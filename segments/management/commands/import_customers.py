"""Import a customer contacts file (Shopify's customer export or generic) in one transaction."""

from __future__ import annotations

from segments.importers.detect import CONTACTS
from segments.management.import_command import ImportFileCommand


class Command(ImportFileCommand):
    help = "Import customer contacts and consent from a .csv, .csv.gz, .xlsx or .parquet file."
    kind = CONTACTS
