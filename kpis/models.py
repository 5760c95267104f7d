"""Rollup tables of the KPI engine (DESIGN.md, KPI engine).

Everything here is derived from the campaigns tables by `kpis.services` and can
be rebuilt from them at any time; nothing is edited by hand.

- `DailyComponents`: the additive components, one row per (day, campaign,
  source). Each source table (spend, leads, deals, touchpoints…) is rolled up
  by one GROUP BY into rows of its own, so a recompute is a handful of
  INSERT … SELECT statements and any date range is a plain SUM.
- `VisitorDay`: one row per (local day, visitor, campaign) with a page view,
  for distinct and new visitors.
- `WebSession`: one row per session with the day and campaign of its first
  page view and its page count, so "sessions belonging to P" is a range count.
- `AccountEngagementDay`: per (account, local day) the engagement touches and
  their decayed weight, 2^((s − R)/h) summed, R being `KpiState.decay_reference`
  (exponential decay is separable, see `kpis.formulas`).
- `KpiState`: one row per workspace: when the rollups were computed (`as_of`)
  and the settings they were computed with.
"""

from __future__ import annotations

from django.db import models

from accounts.tenancy import WorkspaceOwned

MONEY = {"max_digits": 18, "decimal_places": 2}


class ComponentSource(models.TextChoices):
    SPEND = "spend"
    LEAD_CREATED = "lead_created"
    LEAD_MQL = "lead_mql"
    LEAD_SQL = "lead_sql"
    LEAD_SQO = "lead_sqo"
    DEAL_CREATED = "deal_created"
    DEAL_CLOSED = "deal_closed"
    DEAL_CHURNED = "deal_churned"
    TOUCHPOINT = "touchpoint"


class DailyComponents(WorkspaceOwned):
    """Additive KPI components of one source for one (local day, campaign).

    `campaign` is the entity's own campaign link (KPI_SPEC.md, Conventions);
    null when it has none.
    """

    day = models.DateField()
    campaign = models.ForeignKey("campaigns.Campaign", null=True, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=ComponentSource.choices)

    spend = models.DecimalField(default=0, **MONEY)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    leads = models.IntegerField(default=0)
    mqls = models.IntegerField(default=0)
    sqls = models.IntegerField(default=0)
    sqos = models.IntegerField(default=0)
    # Cohort counts: leads created that day whose stage timestamp is set at all.
    cohort_mqls = models.IntegerField(default=0)
    cohort_sqls = models.IntegerField(default=0)
    cohort_sqos = models.IntegerField(default=0)
    deals_created = models.IntegerField(default=0)
    deals_won = models.IntegerField(default=0)
    deals_lost = models.IntegerField(default=0)
    won_revenue = models.DecimalField(default=0, **MONEY)
    new_mrr = models.DecimalField(default=0, **MONEY)
    churned_mrr = models.DecimalField(default=0, **MONEY)
    emails_sent = models.IntegerField(default=0)
    email_bounces = models.IntegerField(default=0)
    email_spam = models.IntegerField(default=0)
    email_unsubscribes = models.IntegerField(default=0)
    page_views = models.IntegerField(default=0)
    content_downloads = models.IntegerField(default=0)
    social_engagements = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily components"
        indexes = [models.Index(fields=["workspace", "day", "campaign"], name="kpis_components_day")]


COMPONENT_FIELDS = [
    "spend",
    "impressions",
    "clicks",
    "leads",
    "mqls",
    "sqls",
    "sqos",
    "cohort_mqls",
    "cohort_sqls",
    "cohort_sqos",
    "deals_created",
    "deals_won",
    "deals_lost",
    "won_revenue",
    "new_mrr",
    "churned_mrr",
    "emails_sent",
    "email_bounces",
    "email_spam",
    "email_unsubscribes",
    "page_views",
    "content_downloads",
    "social_engagements",
]


class VisitorDay(WorkspaceOwned):
    """A visitor seen (a page view) on a local day, through a campaign (or none)."""

    day = models.DateField()
    visitor_id = models.CharField(max_length=255)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, on_delete=models.CASCADE, related_name="+")
    page_views = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "day", "visitor_id"], name="kpis_visitorday_day"),
            models.Index(fields=["workspace", "visitor_id", "day"], name="kpis_visitorday_visitor"),
        ]


class WebSession(WorkspaceOwned):
    """A web session: the page views sharing a session_id, dated by the first one."""

    session_id = models.CharField(max_length=255)
    first_day = models.DateField()
    campaign = models.ForeignKey("campaigns.Campaign", null=True, on_delete=models.CASCADE, related_name="+")
    page_views = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "session_id"], name="kpis_websession_key")]
        indexes = [models.Index(fields=["workspace", "first_day"], name="kpis_websession_day")]


class AccountEngagementDay(WorkspaceOwned):
    """Engagement touchpoints of an account on one local day.

    `decayed_weight` = Σ weight(kind) × 2^((occurred_at − R) / half_life) in
    days, R = KpiState.decay_reference; a score at t is that sum over the
    window's days times 0.5^((t − R) / half_life).
    """

    account = models.ForeignKey("campaigns.Account", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    touches = models.IntegerField()
    decayed_weight = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "account", "day"], name="kpis_account_engagement_key")
        ]
        indexes = [models.Index(fields=["workspace", "day"], name="kpis_account_engagement_day")]


class KpiState(WorkspaceOwned):
    """Per workspace: freshness of the rollups and the settings they depend on."""

    as_of = models.DateTimeField(null=True, blank=True)
    # Days since 1970-01-01 (UTC) the decayed weights are measured from.
    decay_reference = models.FloatField(null=True, blank=True)
    # The half-life and weights `AccountEngagementDay` was computed with.
    settings_fingerprint = models.CharField(max_length=64, blank=True)
    # The time zone the local-date columns were last computed in.
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="kpis_state_key")]


from kpis.targets import Target  # noqa: F401, E402
