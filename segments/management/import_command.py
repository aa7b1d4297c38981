"""What import_orders and import_customers share: one file in, a summary or the refusal report."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments.importers.base import count_problems
from segments.importers.detect import AUTO, KINDS
from segments.models import DataImport
from segments.services import imports


class ImportFileCommand(BaseCommand):
    """Import a file of `kind` (detect.ORDERS or CONTACTS); a file of the other is refused."""

    kind: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to import")
        parser.add_argument(
            "--format",
            default=AUTO,
            choices=[AUTO, *KINDS[self.kind]],
            help="default: detect from header",
        )
        parser.add_argument(
            "--accept-warnings",
            action="store_true",
            help="import data that looks far from the data already here (dates, currency)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            data_import = imports.import_file(
                options["path"],
                options["format"],
                kind=self.kind,
                confirmed=options["accept_warnings"],
            )
        except OSError as error:
            raise CommandError(f"cannot read {options['path']}: {error}") from None
        if data_import.status == DataImport.Status.REFUSED:
            self.stderr.write("\n".join(imports.problem_report(data_import)))
            raise CommandError(f"import refused: {count_problems(data_import.errors_total)}")
        if data_import.status == DataImport.Status.HELD:
            self.stderr.write("\n".join(data_import.warnings))
            raise CommandError(
                "import held, nothing written: run again with --accept-warnings to import it anyway"
            )
        if data_import.status != DataImport.Status.SUCCEEDED:
            raise CommandError(f"import failed: {data_import.error_message}")
        self.stdout.write(imports.import_summary(data_import, time.perf_counter() - started))
