"""A share link: one page of a workspace, read-only, for whoever holds its token."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.tenancy import WorkspaceOwned
from accounts.workspace_keys import WorkspaceForeignKey
from kpis.periods import Period
from sharing import ranges


class ShareTarget(models.TextChoices):
    DASHBOARD = "dashboard", "Workspace dashboard"
    CAMPAIGN = "campaign", "One campaign's page"
    REPORT = "report", "Printable report"


class ShareLink(WorkspaceOwned):
    """Only a SHA-256 of the token is kept: the full URL is shown once, when the link is created."""

    name = models.CharField(max_length=100)
    target = models.CharField(max_length=20, choices=ShareTarget.choices, default=ShareTarget.DASHBOARD)
    campaign = WorkspaceForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    range_kind = models.CharField(max_length=20, choices=ranges.RANGE_CHOICES, default="last_30")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, db_index=True)  # random: unique per workspace suffices
    password_hash = models.CharField(max_length=128, blank=True)  # Django's hashers; "" = no password
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    allow_personal_data = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "token_hash"], name="sharing_sharelink_token"),
            models.CheckConstraint(
                name="share_link_fixed_range_has_dates",
                condition=~Q(range_kind=ranges.FIXED)
                | Q(starts_on__isnull=False, ends_on__isnull=False, starts_on__lte=models.F("ends_on")),
            ),
            models.CheckConstraint(
                name="share_link_campaign_iff_campaign_target",
                condition=Q(target=ShareTarget.CAMPAIGN, campaign__isnull=False)
                | (~Q(target=ShareTarget.CAMPAIGN) & Q(campaign__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_open(self) -> bool:
        return self.status == "active"

    def period_on(self, today: date) -> Period:
        """The dates the link shows when the workspace's local date is `today`."""
        return ranges.link_period(self.range_kind, self.starts_on, self.ends_on, today)

    @property
    def range_label(self) -> str:
        return ranges.range_label(self.range_kind, self.starts_on, self.ends_on)

    @property
    def target_label(self) -> str:
        if self.target == ShareTarget.CAMPAIGN and self.campaign is not None:
            return f"Campaign: {self.campaign.name}"
        return self.get_target_display()
