"""Exports of campaign lists, on record whoever made them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from segments.models.runs import Segment, SegmentationRun


class ExportRecord(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # The record outlives its run: deleting the run empties `run`, run_number stays.
    run = models.ForeignKey(
        SegmentationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    run_number = models.PositiveIntegerField(null=True, blank=True)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    # The segments' numbers as the pages show them; empty = every segment of the run.
    segment_indexes = models.JSONField(default=list, blank=True)
    preset = models.CharField(max_length=20, default="analyst")
    hashed = models.BooleanField(default=False)
    with_contacts = models.BooleanField(default=True)
    include_without_consent = models.BooleanField(default=False)
    holdout_percent = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    holdout_rows = models.PositiveIntegerField(default=0)
    left_out_no_contact = models.PositiveIntegerField(default=0)
    left_out_no_consent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export of run {self.run_number} by {self.user_id}"
