"""Import an order-line file (shopify, online-retail or generic) in one transaction."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments.importers.base import count_problems
from segments.importers.detect import AUTO, KINDS, ORDERS
from segments.models import DataImport
from segments.services import imports


class Command(BaseCommand):
    help = "Import order lines from a .csv, .csv.gz, .xlsx or .parquet file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to import")
        parser.add_argument(
            "--format",
            default=AUTO,
            choices=[AUTO, *KINDS[ORDERS]],
            help="default: detect from header",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            data_import = imports.import_file(options["path"], options["format"], kind=ORDERS)
        except OSError as error:
            raise CommandError(f"cannot read {options['path']}: {error}") from None
        if data_import.status == DataImport.Status.REFUSED:
            self.stderr.write("\n".join(imports.problem_report(data_import)))
            raise CommandError(f"import refused: {count_problems(data_import.errors_total)}")
        if data_import.status != DataImport.Status.SUCCEEDED:
            raise CommandError(f"import failed: {data_import.error_message}")
        self.stdout.write(imports.import_summary(data_import, time.perf_counter() - started))
