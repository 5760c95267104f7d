"""Report templates, a period's commentary, schedules, their recipients and the delivery log."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.tenancy import WorkspaceOwned
from accounts.workspace_keys import WorkspaceForeignKey
from reports.sections import DEFAULT_SECTIONS


def default_sections() -> list[str]:
    return list(DEFAULT_SECTIONS)


class ReportTemplate(WorkspaceOwned):
    """A chosen, ordered list of sections (`reports.sections.SECTIONS` keys)."""

    name = models.CharField(max_length=120)
    sections = models.JSONField(default=default_sections)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="reports_template_name")]

    def __str__(self) -> str:
        return self.name


class Commentary(WorkspaceOwned):
    """The account manager's executive summary of one period."""

    first_day = models.DateField()
    last_day = models.DateField()
    text = models.TextField(max_length=5000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "first_day", "last_day"], name="reports_commentary_period")
        ]


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Coverage(models.TextChoices):
    LAST_WEEK = "last_week", "Last week (Monday to Sunday)"
    LAST_MONTH = "last_month", "Last month"


class Comparison(models.TextChoices):
    PREVIOUS = "previous", "The period before"
    LAST_YEAR = "last_year", "The same period last year"


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class Schedule(WorkspaceOwned):
    name = models.CharField(max_length=120)
    template = WorkspaceForeignKey(ReportTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, default=0)
    day_of_month = models.PositiveSmallIntegerField(default=1)
    send_time = models.TimeField(help_text="In the workspace's time zone.")
    coverage = models.CharField(max_length=12, choices=Coverage.choices, default=Coverage.LAST_WEEK)
    comparison = models.CharField(max_length=12, choices=Comparison.choices, default=Comparison.PREVIOUS)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="reports_schedule_weekday"),
            models.CheckConstraint(condition=Q(day_of_month__gte=1, day_of_month__lte=28), name="reports_schedule_day"),
        ]

    def __str__(self) -> str:
        return self.name


class Recipient(WorkspaceOwned):
    schedule = WorkspaceForeignKey(Schedule, on_delete=models.CASCADE, related_name="recipients")
    email = models.EmailField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "schedule", "email"], name="reports_recipient_email")
        ]

    def __str__(self) -> str:
        return self.email


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    SENDING = "sending", "Sending"
    WAITING = "waiting", "Waiting for the data's recompute"
    RETRYING = "retrying", "Failed, will retry"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(WorkspaceOwned):
    """One period's report of a schedule: claimed once (unique), then sent, retried or given up.

    A preview (the "send me a preview now" button) is logged here too, outside the uniqueness.
    """

    schedule = WorkspaceForeignKey(Schedule, on_delete=models.CASCADE, related_name="deliveries")
    period_first = models.DateField()
    period_last = models.DateField()
    preview = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While a worker sends: another may take the delivery over only after this (the worker died).
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_to = models.JSONField(default=list)
    preview_to = models.EmailField(blank=True)
    error = models.TextField(blank=True)
    log = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "schedule", "period_first", "period_last"],
                condition=Q(preview=False),
                name="reports_delivery_once_per_period",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reports_delivery_due")]

    @property
    def history(self) -> list[tuple[datetime, str, str]]:
        """The log as (moment, status, message), for the page to write in the workspace's zone."""
        return [(datetime.fromisoformat(e["at"]), e["status"], e.get("message", "")) for e in self.log]
