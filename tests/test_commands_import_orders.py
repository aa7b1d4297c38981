from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from segments.models import OrderLine
from tests.import_samples import a_few_orders, shopify_row, write_csv

pytestmark = pytest.mark.django_db


def test_import_orders_prints_one_line_summary(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", a_few_orders(), sep=";")
    call_command("import_orders", str(path))
    out = capsys.readouterr().out.strip()
    assert out.startswith("imported 5 lines (0 already present), 2 new customers, 3 new orders")
    assert "from orders.csv [shopify]" in out
    assert "\n" not in out


def test_import_orders_refused_exits_nonzero_with_report_on_stderr(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", [shopify_row(day="2019-01-05")])
    with pytest.raises(CommandError, match="refused"):
        call_command("import_orders", str(path), "--format", "shopify")
    assert "row 2, column day, value '2019-01-05'" in capsys.readouterr().err
    assert OrderLine.objects.count() == 0


def test_import_orders_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_orders", str(tmp_path / "nope.csv"))


def test_import_orders_cli_exit_status_on_refusal(tmp_path):
    from django.core.management import ManagementUtility

    path = write_csv(tmp_path / "orders.csv", [shopify_row(customer_id="")])
    with pytest.raises(SystemExit) as caught:
        ManagementUtility(["manage.py", "import_orders", str(path), "--skip-checks"]).execute()
    assert caught.value.code != 0
