"""Django's admin, for superusers: every model, read-mostly lists with useful filters."""

from __future__ import annotations

from django.contrib import admin

from segments import models


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "first_order_day", "last_order_day", "created_at")
    search_fields = ("external_id",)


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("external_id", "customer", "day")
    search_fields = ("external_id", "customer__external_id")
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)


@admin.register(models.OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "customer", "day", "product_title", "product_type", "total_sales")
    search_fields = ("order__external_id", "customer__external_id", "product_title")
    raw_id_fields = ("data_import", "order", "customer")
    list_select_related = ("order", "customer")
    list_filter = ("day",)

    # Lines come and go with imports (Imports page): an edit here would bypass the customer
    # totals that runs read, and the import's own counts.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "status", "detected_format", "lines_imported", "created_at")
    list_filter = ("status", "detected_format")
    raw_id_fields = ("uploaded_by",)


class SegmentInline(admin.TabularInline):
    model = models.Segment
    fields = ("index", "name", "custom_name", "colour", "size", "share", "is_new")
    extra = 0
    show_change_link = True


@admin.register(models.SegmentationRun)
class SegmentationRunAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "trigger", "requested_by", "chosen_k", "created_at")
    list_filter = ("status", "trigger", "feature_set")
    raw_id_fields = ("requested_by", "previous_run")
    inlines = [SegmentInline]


@admin.register(models.Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "index", "name", "custom_name", "size")
    list_filter = ("run",)
    raw_id_fields = ("run", "matched_from")


@admin.register(models.StrategyNoteRevision)
class StrategyNoteRevisionAdmin(admin.ModelAdmin):
    list_display = ("segment", "author", "created_at")
    raw_id_fields = ("segment", "author")


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("customer", "run", "segment", "products_ordered", "total_spending")
    search_fields = ("customer__external_id",)
    raw_id_fields = ("run", "segment", "customer")
    list_select_related = ("customer", "segment")
    show_full_result_count = False


@admin.register(models.ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "run", "segment", "rows")
    raw_id_fields = ("user", "run", "segment")


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (segments.models.AuditEvent)."""

    list_display = ("at", "actor_name", "action", "outcome", "object_type", "object_repr")
    list_filter = ("action", "outcome", "object_type")
    search_fields = ("actor_name", "object_repr")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
