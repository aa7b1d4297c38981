from __future__ import annotations

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from segments.models import ConsentChange, Customer, DataImport
from tests.contact_samples import generic_frame, shopify_frame
from tests.import_samples import a_few_orders, write_csv

pytestmark = pytest.mark.django_db


def test_import_customers_prints_one_line_summary(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    shopify_frame().to_csv(path, index=False)
    call_command("import_customers", str(path))
    out = capsys.readouterr().out.strip()
    assert out.startswith(
        "imported 4 contacts: 0 known customers' details changed, 8 consent changes recorded, "
        "4 customers not seen before, 4 without orders yet"
    )
    assert "from customers.csv [shopify-customers]" in out
    assert "\n" not in out
    assert DataImport.objects.get().kind == DataImport.Kind.CONTACTS


def test_import_customers_refused_exits_nonzero_with_report_on_stderr(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    generic_frame(email="ana@").to_csv(path, index=False)
    with pytest.raises(CommandError, match="refused: 1 problem"):
        call_command("import_customers", str(path))
    err = capsys.readouterr().err
    assert "row 2, column email, value 'ana@': not a valid email address" in err
    assert (Customer.objects.count(), ConsentChange.objects.count()) == (0, 0)


def test_import_customers_order_file_refused(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", a_few_orders())
    with pytest.raises(CommandError, match="refused"):
        call_command("import_customers", str(path))
    assert "matches none of the formats shopify-customers" in capsys.readouterr().err
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("make_frame", "fmt", "accepted"),
    [
        (shopify_frame, "auto", True),
        (shopify_frame, "shopify-customers", True),
        (generic_frame, "generic-customers", True),
        (generic_frame, "shopify", False),
        (generic_frame, "generic", False),
        (generic_frame, "csv", False),
    ],
)
def test_import_customers_format_choices_contacts_only(tmp_path, make_frame, fmt, accepted):
    path = tmp_path / "customers.csv"
    make_frame().to_csv(path, index=False)
    if accepted:
        call_command("import_customers", str(path), "--format", fmt)
        data_import = DataImport.objects.get()
        assert (data_import.requested_format, data_import.status) == (fmt, "succeeded")
    else:
        with pytest.raises(CommandError, match="invalid choice"):
            call_command("import_customers", str(path), "--format", fmt)
        assert not DataImport.objects.exists()


def test_import_customers_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_customers", str(tmp_path / "nope.csv"))


def test_import_customers_cli_exit_status_on_refusal(tmp_path):
    path = tmp_path / "customers.csv"
    generic_frame(customer_id="").to_csv(path, index=False)
    with pytest.raises(SystemExit) as caught:
        ManagementUtility(["manage.py", "import_customers", str(path), "--skip-checks"]).execute()
    assert caught.value.code != 0
