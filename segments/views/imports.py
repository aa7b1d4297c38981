"""Imports (Admins): upload order or contact files and watch a worker import them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segments import roles, selectors
from segments.forms import ImportForm
from segments.models import DataImport
from segments.services import import_removal
from segments.services import imports as import_service
from segments.views.access import role_required


def render_import_list(request: HttpRequest, form: ImportForm | None = None) -> HttpResponse:
    context = {
        "form": form or ImportForm(),
        "page": selectors.imports_page(request.GET.get("page")),
        "active_imports": selectors.active_imports(),
        "has_demo_data": DataImport.objects.filter(is_demo=True).exists(),
    }
    return render(request, "segments/import_list.html", context)


@role_required(roles.IMPORT_DATA)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    return render_import_list(request)


@role_required(roles.IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # the address bar after a form error: back to the page
        return redirect("segments:import-list")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_import_list(request, form)
    data_import = import_service.start_import(
        form.cleaned_data["file"], form.cleaned_data["requested_format"], request.user
    )
    data_import.refresh_from_db()  # the task was sent on commit: a broker that is down failed it
    if data_import.status == DataImport.Status.FAILED:
        messages.error(request, f"{data_import.file_name}: {data_import.error_message}")
    else:
        messages.success(request, f"{data_import.file_name} is uploaded and queued for import.")
    return redirect("segments:import-detail", import_id=data_import.pk)


@role_required(roles.IMPORT_DATA)
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    data_import = get_object_or_404(DataImport.objects.select_related("uploaded_by"), pk=import_id)
    return render(request, "segments/import_detail.html", {"data_import": data_import})


@role_required(roles.IMPORT_DATA)
@require_POST
def import_apply(request: HttpRequest, import_id: int) -> HttpResponse:
    data_import = get_object_or_404(DataImport, pk=import_id)
    if import_service.apply_held_import(data_import, request.user):
        messages.success(request, f"{data_import.file_name} is queued for import.")
    else:
        messages.error(request, f"{data_import.file_name} is not waiting for confirmation.")
    return redirect("segments:import-detail", import_id=data_import.pk)


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


@role_required(roles.IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def import_remove(request: HttpRequest, import_id: int) -> HttpResponse:
    data_import = get_object_or_404(DataImport, pk=import_id)
    return _remove(request, [data_import], title=f"Remove the import of {data_import.file_name}")


@role_required(roles.IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def demo_remove(request: HttpRequest) -> HttpResponse:
    demo_imports = import_removal.demo_imports()
    if not demo_imports:
        messages.info(request, "There is no demo data to remove.")
        return redirect("segments:import-list")
    return _remove(request, demo_imports, title="Remove the demo data")


def _remove(request: HttpRequest, imports: list[DataImport], title: str) -> HttpResponse:
    """GET: what would go, and a confirmation form. POST: remove it all in one transaction."""
    if request.method == "POST":
        try:
            counts = import_removal.remove_imports(imports, request.user)
        except import_removal.ImportBusy as refusal:
            messages.error(request, str(refusal))
            return redirect("segments:import-list")
        messages.success(request, f"Removed {counts.summary()}.")
        return redirect("segments:import-list")
    context = {
        "title": title,
        "imports": imports,
        "counts": import_removal.removal_counts(imports),
        "busy": any(data_import.status in import_removal.BUSY for data_import in imports),
    }
    return render(request, "segments/import_remove.html", context)
