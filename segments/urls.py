from __future__ import annotations

from django.urls import path

from segments.views import audit, exports, imports, runs, schedules, segments, users

app_name = "segments"

urlpatterns = [
    path("", runs.dashboard, name="dashboard"),
    path("runs/", runs.run_list, name="run-list"),
    path("runs/start/", runs.run_start, name="run-start"),
    path("runs/<int:run_id>/", runs.run_detail, name="run-detail"),
    path("runs/<int:run_id>/status/", runs.run_status, name="run-status"),
    path("runs/<int:run_id>/delete/", runs.run_delete, name="run-delete"),
    path("runs/<int:run_id>/cancel/", runs.run_cancel, name="run-cancel"),
    path("runs/<int:run_id>/export/", exports.run_export, name="run-export"),
    path("segments/<int:segment_id>/", segments.segment_detail, name="segment-detail"),
    path("segments/<int:segment_id>/notes/", segments.segment_notes, name="segment-notes"),
    path("segments/<int:segment_id>/export/", exports.segment_export, name="segment-export"),
    path("customers/", segments.customer_search, name="customer-search"),
    path("customers/<int:customer_id>/", segments.customer_detail, name="customer-detail"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/upload/", imports.import_upload, name="import-upload"),
    path("imports/<int:import_id>/", imports.import_detail, name="import-detail"),
    path("imports/<int:import_id>/status/", imports.import_status, name="import-status"),
    path("imports/<int:import_id>/remove/", imports.import_remove, name="import-remove"),
    path("imports/<int:import_id>/apply/", imports.import_apply, name="import-apply"),
    path("imports/demo/remove/", imports.demo_remove, name="demo-remove"),
    path("schedules/", schedules.schedule_list, name="schedule-list"),
    path("schedules/new/", schedules.schedule_edit, name="schedule-create"),
    path("schedules/<int:task_id>/edit/", schedules.schedule_edit, name="schedule-edit"),
    path("schedules/<int:task_id>/delete/", schedules.schedule_delete, name="schedule-delete"),
    path("exports/", exports.export_list, name="export-list"),
    path("users/", users.user_list, name="user-list"),
    path("users/new/", users.user_edit, name="user-create"),
    path("users/<int:user_id>/edit/", users.user_edit, name="user-edit"),
    path("audit/", audit.audit_list, name="audit-list"),
]
