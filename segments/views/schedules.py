"""Schedules (Admins): the beat schedules of re-runs, editable without a restart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segments import roles, selectors
from segments.forms import ScheduleForm
from segments.services.schedules import ScheduleSpec, delete_schedule, save_schedule
from segments.views.access import found, role_required


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
        saved = save_schedule(ScheduleSpec(**form.cleaned_data), task, request.user)
        messages.success(request, f"Schedule “{saved.name}” saved.")
        return redirect("segments:schedule-list")
    return render(request, "segments/schedule_form.html", {"form": form, "task": task})


@role_required(roles.MANAGE_RUNS)
@require_POST
def schedule_delete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = found(selectors.get_schedule(task_id))
    delete_schedule(task, request.user)
    messages.success(request, f"Schedule “{task.name}” deleted.")
    return redirect("segments:schedule-list")
