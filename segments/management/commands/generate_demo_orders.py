"""Write a realistic demo export in Shopify's format (deterministic by seed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from segments import demo


class Command(BaseCommand):
    help = "Generate a Shopify 'sales by product variant' export of N demo customers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=25_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", required=True, help="the .csv or .csv.gz file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        orders = demo.generate_orders(options["customers"], options["seed"])
        demo.write_orders_csv(orders.lines, options["out"])
        self.stdout.write(
            f"wrote {len(orders.lines):,} lines for {options['customers']:,} customers "
            f"to {options['out']}"
        )
