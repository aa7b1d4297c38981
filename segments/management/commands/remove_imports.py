"""Remove imports (or all the demo data) with the orders and customers only they hold."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments.models import DataImport
from segments.services import import_removal


class Command(BaseCommand):
    help = "Remove imports by id, or --demo for make run's demo data, after saying what goes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("import_ids", nargs="*", type=int, metavar="ID")
        parser.add_argument("--demo", action="store_true", help="every demo import")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="do not ask for confirmation",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        imports = self.find_imports(options["import_ids"], options["demo"])
        if not imports:
            self.stdout.write("no demo data to remove")
            return
        counts = import_removal.removal_counts(imports)
        self.stdout.write(f"Would remove {counts.summary()}.")
        if options["interactive"] and input("Type 'yes' to remove them: ").strip() != "yes":
            raise CommandError("nothing removed")
        try:
            counts = import_removal.remove_imports(imports)
        except import_removal.ImportBusy as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"removed {counts.summary()}")

    def find_imports(self, import_ids: list[int], demo: bool) -> list[DataImport]:
        if demo == bool(import_ids):
            raise CommandError("Name the imports to remove by id, or --demo (not both).")
        if demo:
            return import_removal.demo_imports()
        imports = list(DataImport.objects.filter(pk__in=import_ids).order_by("pk"))
        missing = sorted(set(import_ids) - {data_import.pk for data_import in imports})
        if missing:
            raise CommandError(f"no import with id {', '.join(map(str, missing))}")
        return imports
