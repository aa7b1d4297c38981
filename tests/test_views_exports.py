from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from segments.models import ExportRecord, SegmentationRun
from tests import factories

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


def test_segment_export_streams_members_and_records_it(marketing: Client) -> None:
    run = factories.segmented_run(sizes=(2, 3))
    segment = run.segments.get(index=1)
    response = marketing.post(reverse("segments:segment-export", args=[segment.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert f"segweb-run-{run.pk}-segment-1.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["customer_id", "segment", "segment_name"]
    assert len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"1"}
    record = ExportRecord.objects.get()
    assert (record.run, record.segment, record.rows) == (run, segment, 3)
    assert record.user.groups.filter(name="Marketing").exists()


def test_run_export_streams_all_segments(marketing: Client) -> None:
    run = factories.segmented_run(sizes=(2, 3))
    rows = read_csv(marketing.post(reverse("segments:run-export", args=[run.pk])))
    assert len(rows) == 6
    assert {row[6] for row in rows[1:]} == {str(run.pk)}
    assert ExportRecord.objects.get().segment is None


def test_segment_export_neutralises_formula_customer_id(marketing: Client) -> None:
    customer = factories.CustomerFactory(external_id='=HYPERLINK("http://evil.example","x")')
    assignment = factories.AssignmentFactory(customer=customer, total_spending=-12.5)
    url = reverse("segments:segment-export", args=[assignment.segment_id])
    rows = read_csv(marketing.post(url))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][5] == "-12.5"


def test_run_export_of_unfinished_run_is_404(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    assert marketing.post(reverse("segments:run-export", args=[run.pk])).status_code == 404


def test_export_list_admin_sees_records(client: Client) -> None:
    user = factories.marketing_user(username="maria")
    factories.ExportRecordFactory(user=user, rows=1234)
    client.force_login(factories.admin_user())
    content = client.get(reverse("segments:export-list")).content.decode()
    assert "maria" in content
    assert "1,234" in content


def test_export_list_marketing_gets_403(marketing: Client) -> None:
    assert marketing.get(reverse("segments:export-list")).status_code == 403
