from __future__ import annotations

import pandas as pd
from django.core.management import call_command


def test_generate_demo_orders_writes_export(tmp_path, capsys):
    path = tmp_path / "demo.csv.gz"
    call_command("generate_demo_orders", "--customers", "200", "--seed", "2", "--out", str(path))
    lines = pd.read_csv(path, dtype=str)
    assert lines["customer_id"].nunique() == 200
    assert f"for 200 customers to {path}" in capsys.readouterr().out
