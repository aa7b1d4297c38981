from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from segments.models import AuditEvent, SegmentationRun, StrategyNoteRevision
from segments.services import run_deletion
from segments.services import runs as run_service
from segments.services.notes import update_strategy_notes
from tests import factories

pytestmark = pytest.mark.django_db
LIST_URL = reverse("segments:run-list")
START_URL = reverse("segments:run-start")


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(factories.admin_user())
    return client


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


@pytest.fixture
def requested(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Replace request_run with a recorder that returns a new queued run."""
    calls: list[dict] = []

    def request_run(**kwargs) -> tuple[SegmentationRun, bool]:
        calls.append(kwargs)
        return factories.SegmentationRunFactory(status=SegmentationRun.Status.QUEUED), True

    monkeypatch.setattr(run_service, "request_run", request_run)
    return calls


def test_run_list_shows_history_paginated(marketing: Client) -> None:
    factories.SegmentationRunFactory.create_batch(30, customers_used=123)
    first = marketing.get(LIST_URL)
    assert first.content.decode().count("data-run-id=") == 25
    second = marketing.get(LIST_URL, {"page": 2})
    assert second.content.decode().count("data-run-id=") == 5


def test_run_list_marketing_sees_no_admin_buttons(marketing: Client) -> None:
    factories.SegmentationRunFactory()
    content = marketing.get(LIST_URL).content
    assert b'id="run-form"' not in content
    assert b'data-testid="delete-run"' not in content


def test_run_list_admin_sees_start_form_and_delete(admin: Client) -> None:
    factories.SegmentationRunFactory()
    content = admin.get(LIST_URL).content
    assert b'id="run-form"' in content
    assert b'data-testid="delete-run"' in content


def test_run_start_auto_k_calls_request_run(admin: Client, requested: list[dict]) -> None:
    response = admin.post(START_URL, {"k": "auto", "kmax": "8", "feature_set": "study"})
    run = SegmentationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:run-detail", args=[run.pk])
    assert requested == [
        {
            "trigger": "manual",
            "user": requested[0]["user"],
            "feature_set": "study",
            "k": None,
            "kmax": 8,
        }
    ]
    assert requested[0]["user"].groups.filter(name="Admin").exists()


def test_run_start_number_k_is_passed(admin: Client, requested: list[dict]) -> None:
    admin.post(START_URL, {"k": "4", "kmax": "10", "feature_set": "rfm"})
    assert (requested[0]["k"], requested[0]["kmax"], requested[0]["feature_set"]) == (4, 10, "rfm")


@pytest.mark.parametrize(
    "data",
    [
        {"k": "one", "kmax": "10", "feature_set": "study"},
        {"k": "1", "kmax": "10", "feature_set": "study"},
        {"k": "9", "kmax": "5", "feature_set": "study"},
        {"k": "16", "kmax": "15", "feature_set": "study"},
        {"k": "auto", "kmax": "16", "feature_set": "study"},
        {"k": "auto", "kmax": "10", "feature_set": "nonsense"},
    ],
)
def test_run_start_invalid_form_does_not_request(admin: Client, requested, data) -> None:
    response = admin.post(START_URL, data)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert requested == []


def test_run_start_active_run_returns_it_with_message(admin, monkeypatch) -> None:
    active = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    monkeypatch.setattr(run_service, "request_run", lambda **kwargs: (active, False))
    response = admin.post(
        START_URL, {"k": "auto", "kmax": "10", "feature_set": "study"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("segments:run-detail", args=[active.pk])
    assert b"already in progress" in response.content


def test_run_start_with_engine_queues_a_run(admin: Client) -> None:
    """Through the real service: the run is queued (its task is enqueued on commit)."""
    admin.post(START_URL, {"k": "3", "kmax": "6", "feature_set": "study"})
    run = SegmentationRun.objects.get()
    assert (run.status, run.k_requested, run.kmax, run.trigger) == ("queued", 3, 6, "manual")


def test_run_detail_succeeded_shows_charts_and_profile(marketing: Client) -> None:
    run = factories.segmented_run(
        sizes=(2, 2),
        elbow=[{"k": k, "inertia": 100.0 / k, "silhouette": 0.5} for k in range(1, 6)],
        suggestion_reason="The curve bends most at k = 2.",
        stage_seconds={"load": 0.5, "fit": 1.25},
    )
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    for element in ("elbow-chart", "silhouette-chart", "sizes-chart", "distributions-chart"):
        assert f'id="{element}"' in content
    assert 'id="scatter-chart"' in content
    assert "plotly/plotly.min.js" in content
    assert "The curve bends most at k = 2." in content
    assert 'id="profile-table"' in content
    assert "1.2 s" in content or "1.3 s" in content
    assert "cdn" not in content.lower()


def test_run_detail_failed_shows_reason_without_charts(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(
        status=SegmentationRun.Status.FAILED, error="Not enough customers to make 3 segments."
    )
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert "Not enough customers to make 3 segments." in content
    assert 'id="run-status"' in content
    assert "plotly.min.js" not in content


def test_run_detail_active_run_polls_and_refreshes_without_js(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.QUEUED)
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert f'data-status-url="{reverse("segments:run-status", args=[run.pk])}"' in content
    assert 'http-equiv="refresh"' in content


def test_run_detail_shows_changes_since_previous_run(marketing: Client) -> None:
    previous = factories.segmented_run(sizes=(2,))
    old_segment = previous.segments.get()
    old_segment.name = "Bargain hunters"
    old_segment.save()
    run = factories.segmented_run(
        sizes=(1, 1),
        previous_run=previous,
        vanished_segments=[{"name": "Window shoppers", "size": 7}],
    )
    run.segments.filter(index=0).update(matched_from=old_segment, name="Bargain hunters II")
    run.segments.filter(index=1).update(is_new=True, name="Fresh faces")
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert "“Bargain hunters II” continues “Bargain hunters”" in content
    assert "New: “Fresh faces”" in content
    assert "Gone: “Window shoppers”" in content


def test_run_detail_unknown_run_is_404(marketing: Client) -> None:
    assert marketing.get(reverse("segments:run-detail", args=[999999])).status_code == 404


def test_run_status_reports_progress_as_json(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(
        status=SegmentationRun.Status.RUNNING, stage="fit", progress=70
    )
    data = marketing.get(reverse("segments:run-status", args=[run.pk])).json()
    assert (data["status"], data["stage"], data["progress"], data["finished"]) == (
        "running",
        "fit",
        70,
        False,
    )


def test_run_status_failed_reports_reason(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.FAILED, error="boom")
    data = marketing.get(reverse("segments:run-status", args=[run.pk])).json()
    assert (data["finished"], data["error"]) == (True, "boom")


def test_run_delete_calls_service(admin: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    run = factories.SegmentationRunFactory()
    deleted: list[tuple[int, bool]] = []
    monkeypatch.setattr(
        run_service, "delete_run", lambda r, user: deleted.append((r.pk, user.is_authenticated))
    )
    response = admin.post(reverse("segments:run-delete", args=[run.pk]))
    assert response["Location"] == LIST_URL
    assert deleted == [(run.pk, True)]


def test_run_delete_active_run_is_refused(admin: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    response = admin.post(reverse("segments:run-delete", args=[run.pk]), follow=True)
    assert SegmentationRun.objects.filter(pk=run.pk).exists()
    assert b"cannot be deleted" in response.content


def test_run_delete_with_engine_hides_run_at_once_and_purge_removes_it(admin: Client) -> None:
    run = factories.segmented_run()
    admin.post(reverse("segments:run-delete", args=[run.pk]))
    assert admin.get(reverse("segments:run-detail", args=[run.pk])).status_code == 404
    assert reverse("segments:run-detail", args=[run.pk]) not in admin.get(LIST_URL).content.decode()
    run_deletion.purge_run(run.pk)
    assert not SegmentationRun.objects.filter(pk=run.pk).exists()


def test_run_delete_keeps_exports_notes_and_records_who(admin: Client) -> None:
    run = factories.segmented_run()
    segment = run.segments.get(index=0)
    update_strategy_notes(segment, "Win them back", None, custom_name="Lapsed")
    export = factories.ExportRecordFactory(run=run, segment=segment, rows=3)
    run_id = run.pk
    admin.post(reverse("segments:run-delete", args=[run_id]))
    run_deletion.purge_run(run_id)
    export.refresh_from_db()
    assert (export.run, export.segment, export.run_number, export.rows) == (None, None, run_id, 3)
    revision = StrategyNoteRevision.objects.get()
    assert (revision.segment, revision.run_number, revision.segment_name) == (
        None,
        run_id,
        "Lapsed",
    )
    assert revision.text == "Win them back"
    event = AuditEvent.objects.get(action=AuditEvent.Action.RUN_DELETED)
    assert (event.object_type, event.object_id, event.outcome) == ("run", str(run_id), "ok")
    assert event.actor is not None and event.actor.has_perm("segments.manage_runs")
    assert event.details == {"status": "succeeded"}


def test_run_delete_active_run_records_nothing(admin: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    admin.post(reverse("segments:run-delete", args=[run.pk]))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RUN_DELETED).exists()


def test_run_delete_marketing_keeps_run(marketing: Client) -> None:
    run = factories.SegmentationRunFactory()
    assert marketing.post(reverse("segments:run-delete", args=[run.pk])).status_code == 403
    assert SegmentationRun.objects.filter(pk=run.pk).exists()


def test_run_detail_succeeded_shows_outcome_without_progress(marketing: Client) -> None:
    started = timezone.now()
    run = factories.segmented_run(
        started_at=started, finished_at=started + dt.timedelta(seconds=75), stage="done"
    )
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert "<progress" not in content
    assert 'data-field="stage"' not in content
    assert "in 1 min 15 s" in content


def test_run_detail_failed_shows_duration_and_next_step(admin: Client) -> None:
    started = timezone.now()
    run = factories.SegmentationRunFactory(
        status=SegmentationRun.Status.FAILED,
        error="boom",
        started_at=started,
        finished_at=started + dt.timedelta(seconds=3),
    )
    content = admin.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert "<progress" not in content
    assert "after 3.0 s" in content
    assert 'id="failed-next-step"' in content


def test_run_detail_running_shows_stage_and_progress(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(
        status=SegmentationRun.Status.RUNNING, stage="fit", progress=70
    )
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    assert '<progress max="100" value="70"' in content
    assert 'data-field="stage">fit<' in content


def test_run_list_empty_tells_admin_how_to_start(admin: Client) -> None:
    content = admin.get(LIST_URL).content.decode()
    assert 'id="no-runs"' in content
    assert reverse("segments:import-list") in content


def test_run_start_get_goes_back_to_the_runs_page() -> None:
    client = Client()
    client.force_login(factories.admin_user())
    response = client.get("/runs/start/")
    assert (response.status_code, response["Location"]) == (302, "/runs/")


def test_run_detail_charts_read_from_the_summary_not_the_assignments(marketing: Client) -> None:
    run = factories.segmented_run(
        sizes=(3, 2), elbow=[{"k": k, "inertia": 10.0 / k, "silhouette": 0.5} for k in (1, 2)]
    )
    url = reverse("segments:run-detail", args=[run.pk])
    marketing.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = marketing.get(url).content.decode()
    assert 'id="scatter-chart"' in again and 'id="distributions-chart"' in again
    assert not [q for q in captured if "segments_assignment" in q["sql"]]
