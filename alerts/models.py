"""Alert rules on the KPIs of a workspace, their history and the log of their notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.tenancy import WorkspaceOwned
from accounts.workspace_keys import WorkspaceForeignKey
from campaigns.models import Channel
from kpis.catalog import KPIS


class Condition(models.TextChoices):
    """What makes a rule fire. One value per kind of test: a new kind is one more choice here and one more branch
    in `alerts.evaluation.check`, with no change to the table."""

    ABOVE = "above", "Above a value"
    BELOW = "below", "Below a value"
    CHANGE = "change", "Changes against the previous period by more than X %"
    OFF_PACE = "off_pace", "Off target pace"
    ANOMALY = "anomaly", "Yesterday outside the forecast's 80 % interval (anomaly)"
    STALE = "stale", "A source of data stopped sending (data health)"


# The pseudo-KPI of rules on data health (condition STALE): not a KPI of the catalogue.
DATA_HEALTH = "data_health"
DATA_HEALTH_LABEL = "Data health (every source)"


class Window(models.TextChoices):
    """The dates the value is read over, in the workspace's local dates, ending today (or yesterday)."""

    TODAY = "today", "Today"
    YESTERDAY = "yesterday", "Yesterday"
    LAST_7 = "last_7", "Last 7 days"
    LAST_30 = "last_30", "Last 30 days"
    MONTH_TO_DATE = "month_to_date", "Month to date"


class RuleState(models.TextChoices):
    OK = "ok", "OK"
    FIRING = "firing", "Firing"


class Severity(models.TextChoices):
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertRule(WorkspaceOwned):
    name = models.CharField(max_length=120)
    # A name of the catalogue (kpis/catalog.py), checked by the form: no choices here, so that a KPI added to
    # the catalogue needs no migration.
    kpi = models.CharField(max_length=40)
    campaign = WorkspaceForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=30, blank=True, choices=Channel.choices)
    condition = models.CharField(max_length=20, choices=Condition.choices)
    # The value (above / below), the percentage (change), the least attainment of the pace in % (off pace), or
    # the margin beyond the forecast's interval in % of its width (anomaly).
    threshold = models.DecimalField(max_digits=18, decimal_places=4)
    window = models.CharField(max_length=20, choices=Window.choices, default=Window.LAST_7)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    # Minutes after which a rule still firing notifies again; 0 = only once until it resolves.
    renotify_minutes = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        through="AlertRecipient",
        through_fields=("rule", "user"),
    )
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=10, choices=RuleState.choices, default=RuleState.OK)
    last_value = models.CharField(max_length=40, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "active"], name="alerts_rule_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def threshold_text(self) -> str:
        """The threshold without trailing zeros nor an exponent (100, 2.5)."""
        return format(self.threshold.normalize(), "f")

    @property
    def kpi_label(self) -> str:
        if self.kpi == DATA_HEALTH:
            return DATA_HEALTH_LABEL
        entry = KPIS.get(self.kpi)
        return entry.label if entry else self.kpi


class EventKind(models.TextChoices):
    FIRED = "fired", "Fired"
    STILL_FIRING = "still_firing", "Still firing (re-notified)"
    RESOLVED = "resolved", "Resolved"


class AlertRecipient(WorkspaceOwned):
    """A person a rule emails. The many-to-many's row carries the workspace, like the rule it belongs to, so
    the two are distributed together (Citus) and a row can never point at another workspace's rule."""

    rule = WorkspaceForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+", db_column="alertrule_id")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "alerts_alertrule_recipients"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "rule", "user"], name="alert_recipient_once"),
        ]


class AlertEvent(WorkspaceOwned):
    """A firing, a re-notification or a resolution, with the values that decided it."""

    rule = WorkspaceForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    value = models.CharField(max_length=40, blank=True)
    comparison = models.CharField(max_length=40, blank=True)  # the previous period's value, or the pace's target
    threshold = models.CharField(max_length=40)
    first_day = models.DateField()
    last_day = models.DateField()
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["rule", "at"], name="alerts_event_rule")]


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class NotificationAttempt(WorkspaceOwned):
    """One try at delivering an event: an email to its recipients, or a webhook POST."""

    rule = WorkspaceForeignKey(AlertRule, on_delete=models.CASCADE, related_name="attempts")
    event = WorkspaceForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    attempt = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_in = models.PositiveIntegerField(null=True, blank=True)  # seconds; None: no retry

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["rule", "at"], name="alerts_attempt_rule")]
