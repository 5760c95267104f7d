"""The marketing data integrations push (docs/kpis.md).

Every table is workspace-owned: a non-null workspace, unique keys and hot
indexes that lead with it. Timestamps are kept in UTC with the local date (in
the workspace's time zone) stored beside them at write time, so day-bounded
queries are plain indexed range scans on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.tenancy import WorkspaceOwned
from accounts.workspace_keys import WorkspaceForeignKey


class Channel(models.TextChoices):
    """A campaign's channel, with the label every page, form and chart shows (defined only here)."""

    EMAIL = "email", "Email"
    PAID_SEARCH = "paid_search", "Paid search"
    PAID_SOCIAL = "paid_social", "Paid social"
    ORGANIC_SOCIAL = "organic_social", "Organic social"
    SEO = "seo", "SEO"
    DISPLAY = "display", "Display"
    EVENTS = "events", "Events"
    WEBINAR = "webinar", "Webinar"
    CONTENT = "content", "Content"
    REFERRAL = "referral", "Referral"
    ABM = "abm", "ABM"
    OTHER = "other", "Other"


class TouchpointKind(models.TextChoices):
    EMAIL_SENT = "email_sent"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_BOUNCE = "email_bounce"
    EMAIL_SPAM = "email_spam"
    EMAIL_UNSUBSCRIBE = "email_unsubscribe"
    PAGE_VIEW = "page_view"
    FORM_SUBMIT = "form_submit"
    AD_CLICK = "ad_click"
    SOCIAL_ENGAGEMENT = "social_engagement"
    WEBINAR_REGISTRATION = "webinar_registration"
    WEBINAR_ATTENDANCE = "webinar_attendance"
    CONTENT_DOWNLOAD = "content_download"
    MEETING = "meeting"


NON_ENGAGEMENT_KINDS = frozenset(
    {
        TouchpointKind.EMAIL_SENT,
        TouchpointKind.EMAIL_BOUNCE,
        TouchpointKind.EMAIL_SPAM,
        TouchpointKind.EMAIL_UNSUBSCRIBE,
    }
)
ENGAGEMENT_KINDS = frozenset(k for k in TouchpointKind if k not in NON_ENGAGEMENT_KINDS)


class DealStatus(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


MONEY = {"max_digits": 16, "decimal_places": 2}


class Campaign(WorkspaceOwned):
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    is_abm = models.BooleanField(default=False)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "external_id"], name="campaign_key"),
            models.CheckConstraint(condition=Q(budget__gte=0) | Q(budget__isnull=True), name="campaign_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "channel"])]

    def __str__(self) -> str:
        return self.name


class SpendEntry(WorkspaceOwned):
    """One row per (campaign, date); a new push for the same pair replaces it."""

    campaign = WorkspaceForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend_entries")
    date = models.DateField()
    cost = models.DecimalField(**MONEY)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "campaign", "date"], name="spend_key"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="spend_cost_gte_0"),
        ]
        indexes = [models.Index(fields=["workspace", "date"])]


def _count() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


def _at_most(prefix: str, pairs: tuple[tuple[str, str], ...]) -> list[models.CheckConstraint]:
    """`field ≤ limit` checks (KPI_SPEC: bounces ≤ sent, …), named `<prefix>_<field>_lte_<limit>`."""
    return [
        models.CheckConstraint(condition=Q(**{f"{name}__lte": models.F(limit)}), name=f"{prefix}_{name}_lte_{limit}")
        for name, limit in pairs
    ]


class EmailStat(WorkspaceOwned):
    """An email tool's daily totals for one campaign (KPI_SPEC, daily aggregate stats); one row per (campaign, date)."""

    campaign = WorkspaceForeignKey(Campaign, on_delete=models.CASCADE, related_name="email_stats")
    date = models.DateField()
    sent = _count()
    bounces = _count()
    unique_opens = _count()
    unique_clicks = _count()
    unsubscribes = _count()
    spam = _count()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "campaign", "date"], name="email_stat_key"),
            *_at_most("email_stat", (("bounces", "sent"), ("unique_clicks", "sent"))),
        ]
        indexes = [models.Index(fields=["workspace", "date"])]


class WebStat(WorkspaceOwned):
    """A web analytics export's daily totals, for one campaign or for none (a key value of its own)."""

    campaign = WorkspaceForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="web_stats")
    date = models.DateField()
    sessions = _count()
    bounced_sessions = _count()
    page_views = _count()
    users = _count()
    new_users = _count()
    content_downloads = _count()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # NULLs are distinct here (SQLite and PostgreSQL alike): this one keys the rows with a campaign,
            # and is the plain constraint INSERT … ON CONFLICT (workspace_id, campaign_id, date) targets …
            models.UniqueConstraint(fields=["workspace", "campaign", "date"], name="web_stat_key"),
            # … and this one the rows without: one per date.
            models.UniqueConstraint(
                fields=["workspace", "date"], condition=Q(campaign__isnull=True), name="web_stat_no_campaign_key"
            ),
            *_at_most("web_stat", (("bounced_sessions", "sessions"), ("new_users", "users"))),
        ]
        indexes = [models.Index(fields=["workspace", "date"])]


class SocialStat(WorkspaceOwned):
    """A social network's daily engagements for one campaign; one row per (campaign, date)."""

    campaign = WorkspaceForeignKey(Campaign, on_delete=models.CASCADE, related_name="social_stats")
    date = models.DateField()
    engagements = _count()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "campaign", "date"], name="social_stat_key")]
        indexes = [models.Index(fields=["workspace", "date"])]


class SeoStat(WorkspaceOwned):
    """What an SEO tool reports for the site on a date: levels, never summed; one row per date."""

    date = models.DateField()
    backlinks = _count()
    referring_domains = _count()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Also the index of the reads: the latest row on or before a date.
        constraints = [models.UniqueConstraint(fields=["workspace", "date"], name="seo_stat_key")]


class Account(WorkspaceOwned):
    """A company (the A of ABM)."""

    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    domain = models.CharField(max_length=255, blank=True)
    industry = models.CharField(max_length=120, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    is_target = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "external_id"], name="account_key")]
        indexes = [
            # The target accounts' ids from the index alone: the ABM rollups join every engagement to them.
            models.Index(fields=["workspace", "id"], condition=Q(is_target=True), name="account_target_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Lead(WorkspaceOwned):
    external_id = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    account = WorkspaceForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    source_campaign = WorkspaceForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_leads"
    )
    created_at = models.DateTimeField()
    mql_at = models.DateTimeField(null=True, blank=True)
    sql_at = models.DateTimeField(null=True, blank=True)
    sqo_at = models.DateTimeField(null=True, blank=True)
    # Local dates (workspace time zone), derived from the timestamps at write time.
    created_on = models.DateField()
    mql_on = models.DateField(null=True, blank=True)
    sql_on = models.DateField(null=True, blank=True)
    sqo_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "external_id"], name="lead_key")]
        indexes = [
            models.Index(fields=["workspace", "created_on"]),
            models.Index(fields=["workspace", "mql_on"]),
            models.Index(fields=["workspace", "sql_on"]),
            models.Index(fields=["workspace", "sqo_on"]),
            models.Index(fields=["workspace", "account"]),
        ]


class Deal(WorkspaceOwned):
    external_id = models.CharField(max_length=255)
    account = WorkspaceForeignKey(Account, on_delete=models.PROTECT, related_name="deals")
    lead = WorkspaceForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals")
    source_campaign = WorkspaceForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_deals"
    )
    name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(**MONEY)
    mrr = models.DecimalField(default=0, **MONEY)
    status = models.CharField(max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    churned_at = models.DateTimeField(null=True, blank=True)
    created_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    churned_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "external_id"], name="deal_key"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(mrr__gte=0), name="deal_money_gte_0"),
            # Open deals have no closed_at (a CRM's expected close date would make them look closed);
            # won and lost deals must have one.
            models.CheckConstraint(
                condition=Q(status=DealStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=DealStatus.OPEN) & Q(closed_at__isnull=False)),
                name="deal_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(churned_at__isnull=True) | Q(status=DealStatus.WON), name="deal_churn_only_when_won"
            ),
            models.CheckConstraint(
                condition=Q(churned_at__isnull=True) | Q(churned_at__gte=models.F("closed_at")),
                name="deal_churn_after_close",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "created_on"]),
            # account and churned_on as trailing keys: customer counts read the index alone.
            models.Index(
                fields=["workspace", "status", "closed_on", "account", "churned_on"], name="deal_status_closed_idx"
            ),
            models.Index(fields=["workspace", "account", "closed_at"]),
            models.Index(fields=["workspace", "churned_on"]),
        ]


class Touchpoint(WorkspaceOwned):
    """One engagement or delivery event: an email sent, a page view, a meeting…"""

    # The biggest, most written table: every index below leads with the workspace, so
    # the foreign key's own single-column index would only slow ingestion down.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    kind = models.CharField(max_length=24, choices=TouchpointKind.choices)
    occurred_at = models.DateTimeField()
    occurred_on = models.DateField()
    campaign = WorkspaceForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    # Indexed below with the time: one index serves the journeys, first touches and the foreign key.
    lead = WorkspaceForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints", db_index=False
    )
    account = WorkspaceForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints", db_index=False
    )
    visitor_id = models.CharField(max_length=255, blank=True)
    session_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # Set only by the CSV import on rows without an external_id: a hash of the row's fields, so
    # importing the same file again skips them (campaigns.import_undo.fingerprints). The API leaves it null.
    import_fingerprint = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        constraints = [
            # Not partial: NULLs are distinct in a unique constraint on both SQLite and
            # PostgreSQL, so touchpoints without an external_id never collide, and a plain
            # constraint is what INSERT … ON CONFLICT (workspace_id, external_id) can target.
            models.UniqueConstraint(fields=["workspace", "external_id"], name="touchpoint_key"),
            # Its unique index is the lookup of a re-import's fingerprints (API rows: NULL, never colliding).
            models.UniqueConstraint(fields=["workspace", "import_fingerprint"], name="touchpoint_fingerprint"),
        ]
        indexes = [
            models.Index(fields=["workspace", "occurred_on", "kind"]),
            # By account or lead, not workspace first: their ids are unique across workspaces, and an
            # index leading with the foreign key also serves its checks when a lead or account is deleted.
            models.Index(fields=["account", "occurred_at"], name="touchpoint_account_time_idx"),
            models.Index(fields=["lead", "occurred_at"], name="touchpoint_lead_time_idx"),
            # Unique opens and clicks of any range: the distinct (lead, campaign) pairs, from these indexes
            # alone (PostgreSQL; SQLite does not match a bound kind to a partial index's condition).
            *(
                models.Index(fields=["workspace", "occurred_on", "lead", "campaign"], condition=Q(kind=kind), name=name)
                for kind, name in (
                    (TouchpointKind.EMAIL_OPEN, "touchpoint_opens_idx"),
                    (TouchpointKind.EMAIL_CLICK, "touchpoint_clicks_idx"),
                )
            ),
            # Web sessions are rebuilt by session: their page views, wherever they fall in time.
            models.Index(
                fields=["workspace", "session_id", "occurred_at"],
                condition=Q(kind="page_view"),
                name="touchpoint_session_idx",
            ),
        ]


class DataChange(WorkspaceOwned):
    """What ingestion changed: the local dates whose KPIs need recomputing.

    Written in the same transaction as the data it describes; the KPI engine
    reads and deletes these rows when it recomputes. `first_day`/`last_day`
    null means "every date" (e.g. a time-zone change).
    """

    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "id"])]


class IdempotentRequest(WorkspaceOwned):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed to its retries.

    The unique key is what makes concurrent retries write once: the first request
    claims the key inside its transaction, a concurrent one waits on that row and
    then finds it taken.
    """

    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="idempotent_request_key")]
        indexes = [models.Index(fields=["created_at"])]


class ImportMapping(WorkspaceOwned):
    """A value of the client's files and what it means here, chosen once and reused by every import.

    `stage`: a CRM pipeline stage → a deal status (open, won, lost); `campaign_type`: an ad
    platform's campaign type or objective → a channel. `source_value` is normalised
    (campaigns.mappings.normalise): lower case, letters and digits only.
    """

    class Kind(models.TextChoices):
        STAGE = "stage", "Pipeline stage → deal status"
        CAMPAIGN_TYPE = "campaign_type", "Campaign type → channel"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_value = models.CharField(max_length=255)
    # The value as the file wrote it, shown on the settings page.
    label = models.CharField(max_length=255)
    target = models.CharField(max_length=20)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kind", "source_value"], name="import_mapping_key")]

    def get_target_display(self) -> str:
        labels = dict(DealStatus.choices if self.kind == self.Kind.STAGE else Channel.choices)
        return str(labels.get(self.target, self.target))


class ImportJob(WorkspaceOwned):
    """One CSV file imported in the browser: its text, column mapping, progress and outcome.

    The file is kept as decoded text (uploads are capped at a few megabytes) until
    it has been imported, so a failed import can be retried with another mapping.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Waiting for the column mapping"
        QUEUED = "queued", "Queued"
        CHECKING = "checking", "Checking rows"
        WRITING = "writing", "Saving"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    resource = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    # One entry per column of the file: the field it fills, or "" to ignore it.
    mapping = models.JSONField(default=list)
    date_format = models.CharField(max_length=4, blank=True)
    # The built-in preset (campaigns.import_presets) the columns were mapped with, "" for none.
    preset = models.CharField(max_length=40, blank=True)
    # The first rows as the saved mapping reads them, built once (imports.stored_preview), so that
    # viewing the page never parses the file again: {"key", "rows", "ambiguous_columns"}.
    preview = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # [{"row", "column", "field", "value", "message"}], the first few hundred; error_count has them all.
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Rows of the file found identical to what is stored (a re-import): not written again.
    skipped_count = models.PositiveIntegerField(default=0)
    # The user confirmed creating the campaigns the file names and the workspace lacks.
    create_campaigns = models.BooleanField(default=False)
    # What undoing the import needs (campaigns.import_undo): {"rows": [[key, hash, previous]], "campaigns": […]},
    # or {"too_big": n} when more rows were written than an undo keeps.
    undo_log = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.WRITING)


class IntakeDay(WorkspaceOwned):
    """What arrived from one source for one resource on one local day (data health, health/).

    Upserted once per batch (campaigns.intake.record), never per row: one row per
    workspace × source × resource × day. `source_id` is the API key's or the tracked
    site key's id, "" for the CSV import (one source).
    """

    class SourceKind(models.TextChoices):
        API_KEY = "api_key", "API key"
        IMPORT = "import", "CSV import"
        TRACKING = "tracking", "Tracking snippet"

    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_id = models.CharField(max_length=40, blank=True)
    resource = models.CharField(max_length=20)
    day = models.DateField()  # the workspace's local date of arrival
    received = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_kind", "source_id", "resource", "day"], name="campaigns_intake_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_kind}:{self.source_id} {self.resource} {self.day.isoformat()}: {self.received}"
