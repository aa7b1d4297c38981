"""Load demo customers into an empty database (make run calls it on every start)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments import demo
from segments.models import DataImport, OrderLine
from segments.services import imports


class Command(BaseCommand):
    help = "Generate and import demo orders and contacts when the database has no order lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=25_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if OrderLine.objects.exists():
            self.stdout.write("order lines already present: demo data not loaded")
            return
        started = time.perf_counter()
        orders = demo.generate_orders(options["customers"], options["seed"])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"demo-{options['customers']}-seed{options['seed']}.csv"
            demo.write_orders_csv(orders.lines, path)
            data_import = imports.import_file(path, "shopify", is_demo=True)
            self.report(data_import, started)
            started = time.perf_counter()
            contacts = Path(folder) / "demo-customers.csv"
            demo.generate_customers(orders.groups, options["seed"]).to_csv(contacts, index=False)
            self.report(imports.import_file(contacts, "shopify-customers", is_demo=True), started)

    def report(self, data_import: DataImport, started: float) -> None:
        if data_import.status != DataImport.Status.SUCCEEDED:
            raise CommandError(f"demo import {data_import.status}: {data_import.error_message}")
        self.stdout.write(
            "demo: " + imports.import_summary(data_import, time.perf_counter() - started)
        )
