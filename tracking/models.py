"""First-party web tracking: a workspace's site keys, its tracked sessions and the daily salt.

Nothing here identifies a person: a visitor is a hash that changes every day
(tracking.privacy), a session keeps the landing page's path, the referrer's
host and the UTM values, never an address, a user agent or a query string.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.tenancy import WorkspaceOwned
from accounts.workspace_keys import WorkspaceForeignKey
from campaigns.models import Campaign

SITE_KEY_PREFIX = "site-"


class SiteKey(WorkspaceOwned):
    """A publishable key the tracking snippet sends: write-only, for the listed origins, revocable.

    Not an API key: its token has no `mk_` prefix, no secret and reaches only the collector.
    """

    name = models.CharField(max_length=100)
    token = models.CharField(max_length=40, db_index=True)  # random: unique per workspace suffices
    # Exact origins ("https://www.example.com", "http://localhost:8080"): the collector answers only them.
    allowed_origins = models.JSONField(default=list)
    honour_dnt = models.BooleanField(
        default=True, help_text="Drop events of browsers sending Do Not Track or Global Privacy Control."
    )
    capture_forms = models.BooleanField(
        default=False,
        help_text="Match or create a lead from the email field of forms marked data-pulse-form.",
    )
    campaign_parameter = models.CharField(max_length=40, default="utm_campaign")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"])]
        constraints = [models.UniqueConstraint(fields=["workspace", "token"], name="tracking_sitekey_token")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TrafficChannel(models.TextChoices):
    """Where a session came from, read from its UTM values and referrer (tracking.channels)."""

    PAID_SEARCH = "paid_search", "Paid search"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    SOCIAL = "social", "Social"
    EMAIL = "email", "Email"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct"


class TrackedSession(WorkspaceOwned):
    """A session's entry: one row written with its first page view."""

    site_key = WorkspaceForeignKey(SiteKey, on_delete=models.CASCADE, related_name="sessions")
    session_id = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    started_on = models.DateField()  # local date (workspace time zone)
    landing_path = models.CharField(max_length=500, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=20, choices=TrafficChannel.choices)
    campaign = WorkspaceForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outbound_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "session_id"], name="tracked_session_key")]
        indexes = [models.Index(fields=["workspace", "started_on"])]


class CampaignValue(WorkspaceOwned):
    """A campaign parameter's value that named no campaign: listed for an admin to map, never created silently."""

    value = models.CharField(max_length=100)
    campaign = WorkspaceForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    sessions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "value"], name="campaign_value_key")]
        indexes = [
            models.Index(
                fields=["workspace", "campaign"], condition=Q(campaign__isnull=True), name="campaign_value_unmapped_idx"
            )
        ]


class DailySalt(models.Model):
    """The day's random salt of visitor hashes (UTC day); yesterday's is deleted when today's is made."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt of {self.day}"
