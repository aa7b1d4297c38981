from __future__ import annotations

from django.urls import path

from segments import views

app_name = "segments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/status/", views.run_status, name="run-status"),
    path("runs/<int:run_id>/delete/", views.run_delete, name="run-delete"),
    path("runs/<int:run_id>/export/", views.run_export, name="run-export"),
    path("segments/<int:segment_id>/", views.segment_detail, name="segment-detail"),
    path("segments/<int:segment_id>/notes/", views.segment_notes, name="segment-notes"),
    path("segments/<int:segment_id>/export/", views.segment_export, name="segment-export"),
    path("customers/", views.customer_search, name="customer-search"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer-detail"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/upload/", views.import_upload, name="import-upload"),
    path("imports/<int:import_id>/", views.import_detail, name="import-detail"),
    path("imports/<int:import_id>/status/", views.import_status, name="import-status"),
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_edit, name="schedule-create"),
    path("schedules/<int:task_id>/edit/", views.schedule_edit, name="schedule-edit"),
    path("schedules/<int:task_id>/delete/", views.schedule_delete, name="schedule-delete"),
    path("exports/", views.export_list, name="export-list"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_edit, name="user-create"),
    path("users/<int:user_id>/edit/", views.user_edit, name="user-edit"),
]
