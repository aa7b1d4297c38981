from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from segments.models import Customer, DataImport
from segments.services import imports
from tests.import_samples import a_few_orders, write_csv

pytestmark = pytest.mark.django_db


def an_import(tmp_path: Path, name: str, *, is_demo: bool, title: str = "") -> DataImport:
    rows = [{**row, "product_title": title or row["product_title"]} for row in a_few_orders()]
    path = write_csv(tmp_path / name, rows)
    return imports.import_file(path, "shopify", is_demo=is_demo)


def test_remove_imports_demo_removes_demo_imports_only(tmp_path) -> None:
    an_import(tmp_path, "demo.csv", is_demo=True)
    out = StringIO()
    call_command("remove_imports", "--demo", "--noinput", stdout=out)
    assert "removed 1 import, 5 order lines, 3 orders, 2 customers" in out.getvalue()
    assert not DataImport.objects.exists() and not Customer.objects.exists()


def test_remove_imports_by_id_keeps_lines_another_import_holds(tmp_path) -> None:
    first = an_import(tmp_path, "a.csv", is_demo=False)
    an_import(tmp_path, "b.csv", is_demo=False, title="Other")  # new lines, same orders
    out = StringIO()
    call_command("remove_imports", str(first.pk), "--noinput", stdout=out)
    assert "1 import, 5 order lines, 0 orders, 0 customers" in out.getvalue()
    assert Customer.objects.count() == 2


def test_remove_imports_answer_other_than_yes_removes_nothing(tmp_path, monkeypatch) -> None:
    an_import(tmp_path, "demo.csv", is_demo=True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="nothing removed"):
        call_command("remove_imports", "--demo", stdout=StringIO())
    assert DataImport.objects.count() == 1


@pytest.mark.parametrize("args", [[], ["--demo", "1"]])
def test_remove_imports_needs_ids_or_demo(args) -> None:
    with pytest.raises(CommandError, match="by id, or --demo"):
        call_command("remove_imports", *args, "--noinput")


def test_remove_imports_unknown_id_is_refused() -> None:
    with pytest.raises(CommandError, match="no import with id 404"):
        call_command("remove_imports", "404", "--noinput")


def test_remove_imports_demo_without_demo_data_says_so() -> None:
    out = StringIO()
    call_command("remove_imports", "--demo", "--noinput", stdout=out)
    assert "no demo data" in out.getvalue()
