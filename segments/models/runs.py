"""Segmentation runs and their results: segments, strategy notes, assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from segments.models.shop import Customer


class RunQuerySet(models.QuerySet["SegmentationRun"]):
    def succeeded(self) -> RunQuerySet:
        return self.filter(status=SegmentationRun.Status.SUCCEEDED)

    def active(self) -> RunQuerySet:
        return self.filter(status__in=SegmentationRun.ACTIVE_STATUSES)

    def visible(self) -> RunQuerySet:
        """Every run but those being deleted."""
        return self.exclude(status=SegmentationRun.Status.DELETING)

    def current_first(self) -> RunQuerySet:
        """The succeeded runs, latest first: the first is the current run."""
        return self.succeeded().order_by("-finished_at", "-id")

    def current(self) -> SegmentationRun | None:
        """The latest succeeded run: every page and export uses it until a newer one succeeds."""
        return self.current_first().first()


class SegmentationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # Hidden from every page at once; a worker deletes its assignments in batches.
        DELETING = "deleting", "Deleting"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULED = "scheduled", "Scheduled"
        COMMAND = "command", "Command line"

    class FeatureSet(models.TextChoices):
        STUDY = "study", "Study (products, return rate, spending)"
        RFM = "rfm", "RFM (recency, frequency, monetary)"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The beat slot a scheduled run belongs to ("weekly:2026-11-30T03:00"): one run per slot.
    schedule_slot = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Parameters
    feature_set = models.CharField(
        max_length=20, choices=FeatureSet.choices, default=FeatureSet.STUDY
    )
    k_requested = models.PositiveSmallIntegerField(null=True, blank=True, help_text="empty = auto")
    kmax = models.PositiveSmallIntegerField(default=10)
    random_state = models.IntegerField(default=42)
    n_init = models.PositiveSmallIntegerField(default=1)  # clustering.FIT_N_INIT
    # Snapshot of the data used
    lines_used = models.PositiveIntegerField(null=True, blank=True)
    customers_used = models.PositiveIntegerField(null=True, blank=True)
    customers_excluded = models.PositiveIntegerField(null=True, blank=True)
    data_from = models.DateField(null=True, blank=True)
    data_to = models.DateField(null=True, blank=True)
    # Results
    elbow = models.JSONField(default=list, blank=True)  # [{"k", "inertia", "silhouette"}]
    suggested_k = models.PositiveSmallIntegerField(null=True, blank=True)
    suggestion_reason = models.TextField(blank=True)
    chosen_k = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vanished_segments = models.JSONField(default=list, blank=True)
    # Progress and outcome
    stage = models.CharField(max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage_seconds = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"])]
        # The app's permissions, granted through the Marketing and Admin groups (segments.roles).
        permissions = [
            ("view_results", "Can view runs, segments and customers"),
            ("edit_strategy", "Can edit segment strategy notes"),
            ("export_lists", "Can export campaign target lists"),
            ("import_data", "Can import order data"),
            ("manage_runs", "Can trigger, schedule and delete runs"),
            # Instead of Django's auth.*_user, which would let an Admin edit staff in the admin.
            ("manage_users", "Can manage Marketing and Admin accounts"),
            ("view_audit", "Can view the audit log"),
        ]
        constraints = [
            # A second trigger while one run waits gets that run back instead of a new one.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="queued"), name="one_queued_run"
            ),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="one_running_run"
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Segment(models.Model):
    run = models.ForeignKey(SegmentationRun, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120, help_text="descriptive name made from the profile")
    custom_name = models.CharField(max_length=120, blank=True)
    colour = models.CharField(max_length=7)
    size = models.PositiveIntegerField()
    share = models.FloatField()
    centroid = models.JSONField(help_text="centre in the model's (log) feature space")
    # {"<feature>": {"mean": x, "median": y}} in business units
    profile = models.JSONField(default=dict)
    strategy_notes = models.TextField(blank=True)
    matched_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_new = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="unique_segment_index_per_run")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.custom_name or self.name

    @property
    def number(self) -> int:
        """The segment's number on the pages and in exported files: 1 = lowest spending."""
        return self.index + 1


class StrategyNoteRevision(models.Model):
    # History outlives its run: deleting the run empties `segment`, the snapshot stays.
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="note_revisions"
    )
    run_number = models.PositiveIntegerField(null=True, blank=True)
    segment_name = models.CharField(max_length=120, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    custom_name = models.CharField(max_length=120, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Note on {self.segment_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """A customer's segment in a run, with the values the model saw."""

    # No index of their own: each leads one of the indexes below, and a run writes a million
    # rows into every index there is.
    run = models.ForeignKey(
        SegmentationRun, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    # Business features (the study's three, then RFM's extra two)
    products_ordered = models.PositiveIntegerField()
    average_return_rate = models.FloatField()
    total_spending = models.FloatField()
    recency_days = models.PositiveIntegerField(default=0)
    order_count = models.PositiveIntegerField(default=0)
    # The model's inputs for this run's feature set (log1p, standardised for rfm)
    input_1 = models.FloatField()
    input_2 = models.FloatField()
    input_3 = models.FloatField()
    distance = models.FloatField(help_text="distance to the segment centre")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="one_assignment_per_run")
        ]
        # A segment's members sorted by a feature, a page at a time (segments.members): the id
        # breaks ties, so a page continues exactly where the previous one stopped.
        indexes = [
            models.Index(fields=["segment", "total_spending", "id"], name="assignment_spending"),
            models.Index(fields=["segment", "products_ordered", "id"], name="assignment_products"),
            models.Index(
                fields=["segment", "average_return_rate", "id"], name="assignment_return_rate"
            ),
            models.Index(fields=["customer", "run"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"


class RunSummary(models.Model):
    """What a run's pages show, stored with the run so that no page view reads its assignments.

    Filled in when the run is saved; a run saved before summaries existed gets its own on its
    first view (segments.services.run_summaries).
    """

    run = models.OneToOneField(
        SegmentationRun, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    # segments.summaries.ChartData: feature histograms and the 3D sample. Null: not yet made.
    chart_data = models.JSONField(null=True, blank=True)
    # {"<segment id>": [reachable by email, reachable by SMS]}. Null: not yet counted.
    reach = models.JSONField(null=True, blank=True)
    # The latest contacts import the reach counts saw (0: none); after a newer one they are
    # counted again, as consent and contact details may have changed.
    reach_version = models.PositiveIntegerField(default=0)
    # {"<element id>": "<Plotly figure JSON>"} as last drawn, and what they were drawn from
    # (segment names and colours can change after the run).
    figures = models.JSONField(default=dict, blank=True)
    figures_key = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"Summary of run {self.run_id}"
