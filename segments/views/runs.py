"""Dashboard and runs: the current segments, run history, starting and watching runs."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segments import roles, selectors
from segments.forms import RunRequestForm
from segments.models import SegmentationRun
from segments.services import run_summaries
from segments.services import runs as run_service
from segments.views.access import found, role_required
from segments.views.exports import export_form


@role_required(roles.VIEW_RESULTS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    run = selectors.current_run()
    context = {
        "run": run,
        "segments": run_summaries.segments_with_reach(run) if run else [],
        "active_run": selectors.active_run(),
    }
    return render(request, "segments/dashboard.html", context)


def render_run_list(request: HttpRequest, form: RunRequestForm | None = None) -> HttpResponse:
    context = {
        "page": selectors.runs_page(request.GET.get("page")),
        "active_run": selectors.active_run(),
        "form": form or RunRequestForm(),
    }
    return render(request, "segments/run_list.html", context)


@role_required(roles.VIEW_RESULTS)
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    return render_run_list(request)


@role_required(roles.MANAGE_RUNS)
@require_http_methods(["GET", "POST"])
def run_start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # the address bar after a form error: back to the page
        return redirect("segments:run-list")
    form = RunRequestForm(request.POST)
    if not form.is_valid():
        return render_run_list(request, form)
    run, created = run_service.request_run(
        trigger=SegmentationRun.Trigger.MANUAL,
        user=request.user,
        feature_set=form.cleaned_data["feature_set"],
        k=form.cleaned_data["k"],
        kmax=form.cleaned_data["kmax"],
    )
    run.refresh_from_db()  # the task was sent on commit: a broker that is down failed the run
    if created and run.status == SegmentationRun.Status.FAILED:
        messages.error(request, f"Run {run.pk} could not start. {run.error}")
    elif created:
        messages.success(request, f"Run {run.pk} is queued.")
    else:
        messages.warning(request, f"Run {run.pk} is already in progress; here it is.")
    return redirect("segments:run-detail", run_id=run.pk)


@role_required(roles.VIEW_RESULTS)
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = found(selectors.get_run(run_id))
    segments = selectors.run_segments(run)
    succeeded = run.status == SegmentationRun.Status.SUCCEEDED
    context = {
        "run": run,
        "segments": segments,
        "changes": selectors.run_changes(run, segments),
        "charts": run_summaries.run_figures(run, segments) if succeeded and segments else {},
        "stage_seconds": sorted((run.stage_seconds or {}).items(), key=lambda item: -item[1]),
        "export_form": export_form(request, run) if succeeded else None,
    }
    return render(request, "segments/run_detail.html", context)


@role_required(roles.VIEW_RESULTS)
@require_GET
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = get_object_or_404(SegmentationRun, pk=run_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "stage": run.stage,
            "progress": run.progress,
            "error": run.error,
            "finished": not run.is_active,
            "url": reverse("segments:run-detail", args=[run.pk]),
        }
    )


@role_required(roles.MANAGE_RUNS)
@require_POST
def run_delete(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(SegmentationRun, pk=run_id)
    try:
        run_service.delete_run(run, request.user)
    except run_service.RunIsActive as refused:
        messages.error(request, str(refused))
        return redirect("segments:run-detail", run_id=run.pk)
    messages.success(request, f"Run {run_id} was deleted.")
    return redirect("segments:run-list")


@role_required(roles.MANAGE_RUNS)
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(SegmentationRun, pk=run_id)
    if run_service.cancel_run(run, request.user):
        messages.success(request, f"Run {run_id} was cancelled.")
    else:
        messages.info(request, f"Run {run_id} had already finished.")
    return redirect("segments:run-detail", run_id=run.pk)
