"""Pages: thin function views (access check, form, one service call, render or redirect)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segments import charts, exports, roles, selectors
from segments.exports import ListRequest
from segments.forms import (
    ExportForm,
    ImportForm,
    MemberQueryForm,
    RunRequestForm,
    ScheduleForm,
    StrategyNotesForm,
    UserForm,
)
from segments.models import DataImport, Segment, SegmentationRun
from segments.services import imports as import_service
from segments.services import runs as run_service
from segments.services import users as user_service
from segments.services.notes import update_strategy_notes
from segments.services.schedules import ScheduleSpec, delete_schedule, save_schedule


def role_required(permission: str | Sequence[str]) -> Callable:
    """Anonymous visitors go to the login page; signed-in users without the permission get 403."""

    def decorator(view: Callable) -> Callable:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


def found[T](obj: T | None) -> T:
    if obj is None:
        raise Http404("Not found")
    return obj


# Dashboard and runs


@role_required(roles.VIEW_RESULTS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    run = selectors.current_run()
    context = {
        "run": run,
        "segments": selectors.segments_with_reach(run) if run else [],
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
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
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
    if created:
        messages.success(request, f"Run {run.pk} is queued.")
    else:
        messages.warning(request, f"Run {run.pk} is already in progress; here it is.")
    return redirect("segments:run-detail", run_id=run.pk)


def run_chart_fragments(run: SegmentationRun, segments: list[Segment]) -> dict[str, str]:
    """The run page's figures as HTML fragments, keyed by their element id with underscores."""
    elbow = charts.elbow_frame(run.elbow)
    sizes = selectors.segments_frame(segments)
    sample = selectors.sample_assignments_frame(run)
    axes = (
        charts.RFM_AXES if run.feature_set == SegmentationRun.FeatureSet.RFM else charts.STUDY_AXES
    )
    figures = {
        "elbow-chart": charts.elbow_figure(elbow, run.suggested_k, run.chosen_k),
        "silhouette-chart": charts.silhouette_figure(elbow),
        "sizes-chart": charts.sizes_figure(sizes),
        "distributions-chart": charts.distributions_figure(sample),
        "scatter-chart": charts.scatter_3d_figure(sample, sizes, axes),
    }
    return {key.replace("-", "_"): charts.render_figure(fig, key) for key, fig in figures.items()}


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
        "charts": run_chart_fragments(run, segments) if succeeded and segments else {},
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
        run_service.delete_run(run)
    except run_service.RunIsActive as refused:
        messages.error(request, str(refused))
        return redirect("segments:run-detail", run_id=run.pk)
    messages.success(request, f"Run {run_id} was deleted.")
    return redirect("segments:run-list")


# Segments, customers and exports


def render_segment(
    request: HttpRequest, segment: Segment, notes_form: StrategyNotesForm | None = None
) -> HttpResponse:
    context = {
        "segment": segment,
        "run": segment.run,
        "members": selectors.segment_members(segment, **MemberQueryForm(request.GET).query()),
        "notes_form": notes_form
        or StrategyNotesForm(
            initial={"text": segment.strategy_notes, "custom_name": segment.custom_name}
        ),
        "revisions": segment.note_revisions.select_related("author")[:50],
        "export_form": export_form(request, segment.run),
    }
    return render(request, "segments/segment_detail.html", context)


@role_required(roles.VIEW_RESULTS)
@require_GET
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment.objects.select_related("run"), pk=segment_id)
    return render_segment(request, segment)


@role_required(roles.EDIT_STRATEGY)
@require_POST
def segment_notes(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment.objects.select_related("run"), pk=segment_id)
    form = StrategyNotesForm(request.POST)
    if not form.is_valid():
        return render_segment(request, segment, form)
    data = form.cleaned_data
    if update_strategy_notes(segment, data["text"], request.user, data["custom_name"]):
        messages.success(request, "Segment name and strategy notes saved.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(reverse("segments:segment-detail", args=[segment.pk]) + "#strategy-notes")


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


@role_required(roles.VIEW_RESULTS)
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    customers = selectors.find_customers(query)
    if len(customers) == 1 and customers[0].external_id == query:
        return redirect("segments:customer-detail", customer_id=customers[0].pk)
    return render(
        request, "segments/customer_search.html", {"query": query, "customers": customers}
    )


@role_required(roles.VIEW_RESULTS)
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = found(selectors.get_customer(customer_id))
    assignments = selectors.customer_assignments(customer)
    context = {
        "customer": customer,
        "lines": selectors.customer_order_lines(customer),
        "line_count": customer.lines.count(),
        "assignments": assignments,
        "latest": assignments[0] if assignments else None,
        "consent_changes": selectors.customer_consent_changes(customer),
    }
    return render(request, "segments/customer_detail.html", context)


# Imports


def render_import_list(request: HttpRequest, form: ImportForm | None = None) -> HttpResponse:
    context = {
        "form": form or ImportForm(),
        "page": selectors.imports_page(request.GET.get("page")),
        "active_imports": selectors.active_imports(),
    }
    return render(request, "segments/import_list.html", context)


@role_required(roles.IMPORT_DATA)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    return render_import_list(request)


@role_required(roles.IMPORT_DATA)
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_import_list(request, form)
    data_import = import_service.start_import(
        form.cleaned_data["file"], form.cleaned_data["requested_format"], request.user
    )
    messages.success(request, f"{data_import.file_name} is uploaded and queued for import.")
    return redirect("segments:import-detail", import_id=data_import.pk)


@role_required(roles.IMPORT_DATA)
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    data_import = get_object_or_404(DataImport.objects.select_related("uploaded_by"), pk=import_id)
    return render(request, "segments/import_detail.html", {"data_import": data_import})


@role_required(roles.IMPORT_DATA)
@require_GET
def import_status(request: HttpRequest, import_id: int) -> JsonResponse:
    data_import = get_object_or_404(DataImport, pk=import_id)
    running = {DataImport.Status.PENDING, DataImport.Status.RUNNING}
    return JsonResponse(
        {
            "id": data_import.pk,
            "status": data_import.status,
            "status_label": data_import.get_status_display(),
            "progress": data_import.progress,
            "error": data_import.error_message,
            "lines_imported": data_import.lines_imported,
            "finished": data_import.status not in running,
            "url": reverse("segments:import-detail", args=[data_import.pk]),
        }
    )


# Schedules


@role_required(roles.MANAGE_RUNS)
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "segments/schedule_list.html", {"schedules": selectors.schedules()})


@role_required(roles.MANAGE_RUNS)
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, task_id: int | None = None) -> HttpResponse:
    task = None
    if task_id is not None:
        task = found(selectors.get_schedule(task_id))
    form = ScheduleForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        saved = save_schedule(ScheduleSpec(**form.cleaned_data), task)
        messages.success(request, f"Schedule “{saved.name}” saved.")
        return redirect("segments:schedule-list")
    return render(request, "segments/schedule_form.html", {"form": form, "task": task})


@role_required(roles.MANAGE_RUNS)
@require_POST
def schedule_delete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = found(selectors.get_schedule(task_id))
    delete_schedule(task)
    messages.success(request, f"Schedule “{task.name}” deleted.")
    return redirect("segments:schedule-list")


# Users


@role_required(roles.MANAGE_USERS)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "segments/user_list.html", {"users": user_service.users_with_roles()})


def save_user(request: HttpRequest, form: UserForm) -> AbstractUser:
    """Create or update the form's user; an admin who changes their own password stays signed in."""
    if form.user is None:
        return user_service.create_user(form.spec(), form.new_password())
    saved = user_service.update_user(form.user, form.spec(), request.user, form.new_password())
    if form.new_password() and saved.pk == request.user.pk:
        update_session_auth_hash(request, saved)
    return saved


@role_required(roles.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    managed = None if user_id is None else get_object_or_404(get_user_model(), pk=user_id)
    if managed is not None and managed.is_superuser:
        context = {"managed_user": managed, "form": None}
        return render(request, "segments/user_form.html", context, status=403)
    form = UserForm(request.POST or None, user=managed)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_user(request, form)
        except user_service.UserChangeRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, f"User “{saved.get_username()}” saved.")
            return redirect("segments:user-list")
    return render(request, "segments/user_form.html", {"form": form, "managed_user": managed})
