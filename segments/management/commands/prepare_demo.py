"""make run's demo in one process: demo users, demo data into an empty database, a first run."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from segments.models import SegmentationRun


class Command(BaseCommand):
    help = (
        "Create the demo users, load demo data into an empty database and run a first segmentation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=25_000)

    def handle(self, *args: Any, **options: Any) -> None:
        # One process instead of three: each manage.py start costs seconds of imports.
        call_command("create_demo_users", stdout=self.stdout)
        call_command("load_demo", customers=options["customers"], stdout=self.stdout)
        if SegmentationRun.objects.current() is None:
            self.stdout.write("==> First segmentation run")
            call_command("segment", sync=True, stdout=self.stdout)
