"""What the data is: customers and their order lines, imports, segmentation runs and results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 14, "decimal_places": 2}


class Customer(models.Model):
    external_id = models.CharField("customer id", max_length=64, unique=True)
    first_order_day = models.DateField(null=True, blank=True)
    last_order_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Contact details and marketing consent, from the shop's customer export (the later wins).
    # Database defaults too: the order import inserts customers with plain SQL.
    email = models.CharField(max_length=254, blank=True, db_default="")  # validated, lower case
    first_name = models.CharField(max_length=150, blank=True, db_default="")
    last_name = models.CharField(max_length=150, blank=True, db_default="")
    phone = models.CharField(max_length=20, blank=True, db_default="")  # E.164
    country = models.CharField(max_length=2, blank=True, db_default="")  # ISO 3166-1 alpha-2
    accepts_email_marketing = models.BooleanField(db_default=False)
    accepts_sms_marketing = models.BooleanField(db_default=False)
    contact_import = models.ForeignKey(
        "DataImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.external_id

    @property
    def reachable_by_email(self) -> bool:
        return bool(self.email) and self.accepts_email_marketing

    @property
    def reachable_by_sms(self) -> bool:
        return bool(self.phone) and self.accepts_sms_marketing


class Order(models.Model):
    external_id = models.CharField("order id", max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["customer", "day"])]

    def __str__(self) -> str:
        return self.external_id


class DataImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        ORDERS = "orders", "Order lines"
        CONTACTS = "contacts", "Customer contacts"

    class Format(models.TextChoices):
        SHOPIFY = "shopify", "Shopify sales by product variant"
        ONLINE_RETAIL = "online-retail", "UCI Online Retail"
        GENERIC = "generic", "Generic order lines"
        SHOPIFY_CUSTOMERS = "shopify-customers", "Shopify customer export"
        GENERIC_CUSTOMERS = "generic-customers", "Generic customer contacts"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ORDERS)
    requested_format = models.CharField(max_length=20, default="auto")
    detected_format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    lines_imported = models.PositiveIntegerField(default=0)
    lines_already_present = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    rows_rejected = models.PositiveIntegerField(default=0)
    customers_created = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    unmatched_returns = models.PositiveIntegerField(default=0)
    # Contact imports: customers whose details changed, ids with no orders yet, consent changes.
    contacts_updated = models.PositiveIntegerField(default=0)
    customers_without_orders = models.PositiveIntegerField(default=0)
    consent_changes = models.PositiveIntegerField(default=0)
    # First problems as {"row", "column", "value", "reason"}; errors_total counts them all.
    errors = models.JSONField(default=list, blank=True)
    errors_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class OrderLine(models.Model):
    """One row of the shop's export, with every column of the reference format kept."""

    # Natural key: a digest of the row's content and its occurrence number among identical
    # rows of its file, so a re-imported or overlapping file adds nothing twice.
    line_key = models.CharField(max_length=32, unique=True)
    data_import = models.ForeignKey(DataImport, on_delete=models.PROTECT, related_name="lines")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="lines")
    day = models.DateField()
    product_title = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    variant_title = models.CharField(max_length=255, blank=True)
    variant_sku = models.CharField(max_length=255, blank=True)
    variant_id = models.CharField(max_length=64, blank=True)
    net_quantity = models.IntegerField(default=0)
    ordered_item_quantity = models.IntegerField(default=0)
    # Stored as in the export: zero or negative.
    returned_item_quantity = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY, default=0)
    discounts = models.DecimalField(**MONEY, default=0)
    returns = models.DecimalField(**MONEY, default=0)
    net_sales = models.DecimalField(**MONEY, default=0)
    taxes = models.DecimalField(**MONEY, default=0)
    total_sales = models.DecimalField(**MONEY, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "order"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.product_title or self.product_type}"


class RunQuerySet(models.QuerySet["SegmentationRun"]):
    def succeeded(self) -> RunQuerySet:
        return self.filter(status=SegmentationRun.Status.SUCCEEDED)

    def active(self) -> RunQuerySet:
        return self.filter(status__in=SegmentationRun.ACTIVE_STATUSES)

    def current(self) -> SegmentationRun | None:
        """The latest succeeded run: every page and export uses it until a newer one succeeds."""
        return self.succeeded().order_by("-finished_at", "-id").first()


class SegmentationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

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
    n_init = models.PositiveSmallIntegerField(default=10)
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
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="note_revisions")
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

    run = models.ForeignKey(SegmentationRun, on_delete=models.CASCADE, related_name="assignments")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="assignments")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assignments")
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
        indexes = [
            models.Index(fields=["segment", "total_spending"]),
            models.Index(fields=["segment", "products_ordered"]),
            models.Index(fields=["segment", "average_return_rate"]),
            models.Index(fields=["customer", "run"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"


class ConsentChange(models.Model):
    """A customer's marketing consent on one channel as an import set it (append-only history)."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    data_import = models.ForeignKey(
        DataImport, null=True, on_delete=models.SET_NULL, related_name="consent_changes_made"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    accepts = models.BooleanField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        verb = "accepts" if self.accepts else "declines"
        return f"{self.customer_id} {verb} {self.channel} from {self.changed_at:%Y-%m-%d}"


class ExportRecord(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    run = models.ForeignKey(SegmentationRun, on_delete=models.CASCADE, related_name="exports")
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
        return f"Export of run {self.run_id} by {self.user_id}"
