"""Campaign lists: a segment's or a run's members downloaded in a preset, and the record."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from segments import exports, roles, selectors
from segments.exports import ListRequest
from segments.forms import ExportForm
from segments.models import Segment, SegmentationRun
from segments.views.access import role_required


def export_form(request: HttpRequest, run: SegmentationRun) -> ExportForm:
    data = request.POST if request.method == "POST" else None
    return ExportForm(data, run=run, with_contacts=exports.may_export_contacts(request.user))


def list_response(list_request: ListRequest, user) -> StreamingHttpResponse:
    """The list as a CSV file, or with a holdout as a ZIP of the list and its control file."""
    zipped = bool(list_request.holdout_percent)
    response = StreamingHttpResponse(
        exports.stream_list(list_request, user),
        content_type="application/zip" if zipped else "text/csv; charset=utf-8",
    )
    filename = list_request.filename(suffix=".zip" if zipped else ".csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def refuse_export(request: HttpRequest, form: ExportForm, back: str) -> HttpResponse:
    errors = "; ".join(message for messages_ in form.errors.values() for message in messages_)
    messages.error(request, f"Nothing exported: {errors}")
    return redirect(back + "#export-form")


@role_required(roles.EXPORT_LISTS)
@require_POST
def segment_export(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(
        Segment.objects.select_related("run"),
        pk=segment_id,
        run__status=SegmentationRun.Status.SUCCEEDED,
    )
    form = export_form(request, segment.run)
    if not form.is_valid():
        return refuse_export(request, form, reverse("segments:segment-detail", args=[segment.pk]))
    return list_response(form.list_request((segment,)), request.user)


@role_required(roles.EXPORT_LISTS)
@require_POST
def run_export(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(SegmentationRun, pk=run_id, status=SegmentationRun.Status.SUCCEEDED)
    form = export_form(request, run)
    if not form.is_valid():
        return refuse_export(request, form, reverse("segments:run-detail", args=[run.pk]))
    return list_response(form.list_request(), request.user)


@role_required(roles.MANAGE_RUNS)
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    page = selectors.exports_page(request.GET.get("page"))
    return render(request, "segments/export_list.html", {"page": page})
