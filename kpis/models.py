"""Rollup tables of the KPI engine (docs/architecture.md).

Everything here is derived from the campaigns tables by `kpis.rollups` and can
be rebuilt from them at any time; nothing is edited by hand.

- `DailyComponents`: the additive components per (local day, campaign), so any
  date range narrowed to a campaign or channel is a plain SUM.
- `WorkspaceDay`: the same components summed over campaigns, one row per day:
  a workspace-wide range reads one row a day.
- `WebSession`: one row per session with the day and campaign of its first
  page view and its page count (its components go into the two above).
- `PageDay`: one row per (local day, campaign, normalised URL) with the page's
  views, entries and exits among that day's sessions: a range's top pages.
- `VisitorDay`: one row per (visitor, local day) with a page view, and the
  visitor's previous such day: distinct and new visitors of any range become
  range counts (`previous_day` null or before the range).
- `VisitorGap`: `VisitorDay` counted per (day, previous_day): the same range
  counts, from about a quarter of the rows.
- `AccountDay`: per (target account, local day) its engagement touches and
  their decayed weight, 2^((s − R)/h) summed, R being
  `KpiState.decay_reference` (exponential decay is separable, see
  `kpis.formulas`).
- `AccountFacts`: per account with a won deal: its first touch ever and its
  first won deal, which new customers, repeat revenue, sales cycles and ABM
  velocity are read from.
- `CustomerDay`: per local day, the accounts that became customers and those
  that stopped being customers: active customers at any date are a running sum.
- `KpiState`: one row per workspace: when the rollups were computed (`as_of`)
  and the settings they were computed with.
- `QueuedRecompute`: not a rollup but the engine's own bookkeeping: a row while
  a recompute of the workspace is queued and has not started.

Rollup rows are written in bulk and only by the rebuild: their foreign keys
carry no database constraint and no single-column index (every index leads
with the workspace), which would cost on every row inserted and buy nothing.
"""

from __future__ import annotations

from django.db import models

from accounts.tenancy import WorkspaceOwned, WorkspaceScopedManager
from accounts.workspace_keys import WorkspaceForeignKey

MONEY = {"max_digits": 18, "decimal_places": 2}
UNCHECKED = {"db_constraint": False, "db_index": False, "related_name": "+"}


class Rollup(WorkspaceOwned):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, **UNCHECKED)

    class Meta:
        abstract = True


def _campaign() -> WorkspaceForeignKey:
    # A deleted campaign marks every date changed, and the rebuild that follows drops its rows.
    return WorkspaceForeignKey("campaigns.Campaign", null=True, on_delete=models.DO_NOTHING, **UNCHECKED)


def _account(related_name: str = "+") -> WorkspaceForeignKey:
    return WorkspaceForeignKey(
        "campaigns.Account", on_delete=models.DO_NOTHING, **{**UNCHECKED, "related_name": related_name}
    )


class Components(Rollup):
    """The additive KPI components; `campaign` is each entity's own campaign link (docs/kpis.md)."""

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
    # … and those that are the lead of a won deal (lead_to_customer_rate).
    cohort_customers = models.IntegerField(default=0)
    deals_created = models.IntegerField(default=0)
    deals_won = models.IntegerField(default=0)
    deals_lost = models.IntegerField(default=0)
    # Won or lost deals leaving the pipeline, on the later of their creation and close days:
    # open deals at the end of day L = Σ (deals_created − deals_closed_out) over the days up to L.
    deals_closed_out = models.IntegerField(default=0)
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
    # Social engagements and impressions of campaigns of the social channels only.
    social_channel_engagements = models.IntegerField(default=0)
    social_channel_impressions = models.BigIntegerField(default=0)
    # Sessions by their first page view's day and campaign; their page views wherever they fall.
    sessions = models.IntegerField(default=0)
    single_page_sessions = models.IntegerField(default=0)
    session_page_views = models.IntegerField(default=0)
    # Daily aggregate stats (KPI_SPEC) that do not fold into an event count: unique opens and clicks
    # (distinct pairs elsewhere), a web analytics tool's daily users and new users, and how many
    # WebStat rows contributed (any makes the visitor KPIs an upper bound: `approximate`).
    stat_unique_opens = models.IntegerField(default=0)
    stat_unique_clicks = models.IntegerField(default=0)
    stat_users = models.IntegerField(default=0)
    stat_new_users = models.IntegerField(default=0)
    web_stats = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyComponents(Components):
    day = models.DateField()
    campaign = _campaign()

    class Meta:
        verbose_name_plural = "daily components"
        indexes = [
            models.Index(fields=["workspace", "day", "campaign"], name="kpis_components_day"),
            # Narrowed to a campaign: its running balances (MRR, open deals) read every day up to L.
            models.Index(fields=["workspace", "campaign", "day"], name="kpis_components_campaign"),
        ]


class WorkspaceDay(Components):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="kpis_workspaceday_key")]


COMPONENT_FIELDS = [f.name for f in WorkspaceDay._meta.local_fields if f.name not in ("id", "workspace", "day")]


class WebSession(Rollup):
    """A web session: the page views sharing a session_id, dated by the first one."""

    # Keyed by what identifies it: one index fewer to maintain than a surrogate id would cost.
    pk = models.CompositePrimaryKey("workspace", "session_id")
    session_id = models.CharField(max_length=255)
    first_day = models.DateField()
    campaign = _campaign()
    page_views = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "first_day"], name="kpis_websession_day")]


class VisitorDay(Rollup):
    """A visitor seen (a page view) on a local day, and the last day before it they were seen."""

    pk = models.CompositePrimaryKey("workspace", "visitor_id", "day")
    visitor_id = models.CharField(max_length=255)
    day = models.DateField()
    previous_day = models.DateField(null=True)

    class Meta:
        # Covers the range counts: (day, previous_day) without visiting the table.
        indexes = [models.Index(fields=["workspace", "day", "previous_day"], name="kpis_visitorday_day")]


class VisitorGap(Rollup):
    """How many visitors were seen on a local day, by the day each was last seen before it (null: never).

    `VisitorDay` grouped by (day, previous_day): distinct and new visitors of a
    workspace-wide range are sums over the range's days, from rows a quarter as
    many (visitors who return do so after one of a few recent days).
    """

    day = models.DateField()
    previous_day = models.DateField(null=True)
    visitors = models.IntegerField()

    class Meta:
        # The range sums from the index alone.
        indexes = [models.Index(fields=["workspace", "day", "previous_day", "visitors"], name="kpis_visitorgap_day")]


class AccountDay(Rollup):
    """The engagement touchpoints of a target account on one local day.

    `decayed_weight` = Σ weight(kind) × 2^((occurred_at − R) / half_life) in
    days, R = KpiState.decay_reference; a score at t is that sum over the
    window's days times 0.5^((t − R) / half_life). Only target accounts have
    rows (a change of the target list recomputes every date).
    """

    day = models.DateField()
    account = _account()
    touches = models.IntegerField()
    decayed_weight = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day", "account"], name="kpis_accountday_key")]
        # The engagement reads of a range (scores, MQAs) from the index alone, not the scattered rows.
        indexes = [
            models.Index(fields=["workspace", "day", "account", "decayed_weight"], name="kpis_accountday_weights"),
        ]


class AccountFacts(Rollup):
    """An account's first touch (docs/kpis.md, first_touch_at) and first won deal; accounts with a won deal only."""

    account = _account(related_name="kpi_facts")
    first_touch_at = models.DateTimeField()
    first_won_deal = WorkspaceForeignKey("campaigns.Deal", on_delete=models.DO_NOTHING, **UNCHECKED)
    first_won_at = models.DateTimeField()
    first_won_on = models.DateField()
    first_won_campaign = _campaign()
    # A copy of the account's flag: a change of the target list recomputes every date.
    is_target = models.BooleanField()

    class Meta:
        verbose_name_plural = "account facts"
        constraints = [models.UniqueConstraint(fields=["workspace", "account"], name="kpis_accountfacts_key")]
        indexes = [
            models.Index(fields=["workspace", "first_won_on"], name="kpis_accountfacts_won"),
            # A one-day rebuild finds the accounts first touched on or after the day by it.
            models.Index(fields=["workspace", "first_touch_at"], name="kpis_accountfacts_touch"),
            # Converted target accounts: counted from the index alone, not every customer's row.
            models.Index(
                fields=["workspace", "first_won_on"],
                condition=models.Q(is_target=True),
                name="kpis_accountfacts_target",
            ),
        ]


class CustomerDay(Rollup):
    """How many accounts became customers, and how many stopped being customers, on a local day.

    An account is a customer at the end of each day from the one a won deal of
    its closed on until the day before that deal churned (docs/kpis.md, active
    customer). The customers at the end of day L are Σ (gained − lost) over
    the days up to L, as MRR is of `WorkspaceDay`: a count at any date reads a
    row per day with a change, not every deal of the history.
    """

    day = models.DateField()
    gained = models.IntegerField()
    lost = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="kpis_customerday_key")]


class PageDay(Rollup):
    """A page's views, entries and exits among the sessions of a local day (docs/kpis.md, top pages).

    `day` is the session's (its first page view's day) and `campaign` the
    session's, as for `WebSession`; a page view without a session counts on
    its own day and campaign, never as an entry or an exit. `url` is
    normalised: scheme, host and path, without query string or fragment.
    """

    day = models.DateField()
    campaign = _campaign()
    url = models.CharField(max_length=2000)
    page_views = models.IntegerField()
    entries = models.IntegerField()
    exits = models.IntegerField()

    class Meta:
        # A range's top pages read the range's rows by day; the URL stays out of the index (2,000
        # characters would overflow a btree entry), grouping is a hash aggregate of those rows.
        indexes = [models.Index(fields=["workspace", "day", "campaign"], name="kpis_pageday_day")]


ROLLUPS = (
    DailyComponents,
    WorkspaceDay,
    WebSession,
    PageDay,
    VisitorDay,
    VisitorGap,
    AccountDay,
    AccountFacts,
    CustomerDay,
)


class KpiState(WorkspaceOwned):
    """Per workspace: freshness of the rollups and the settings they depend on."""

    as_of = models.DateTimeField(null=True, blank=True)
    # Days since 1970-01-01 (UTC) the decayed weights are measured from.
    decay_reference = models.FloatField(null=True, blank=True)
    # The half-life and weights `AccountDay` was computed with.
    settings_fingerprint = models.CharField(max_length=64, blank=True)
    # The time zone the local-date columns were last computed in.
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="kpis_state_key")]


class QueuedRecompute(models.Model):
    """Per workspace: a recompute is queued and has not started yet (`kpis.recompute_queue`).

    Pushes that find it add nothing: the queued run reads their committed changes.
    The key is the workspace itself, so a workspace has at most one such row.
    """

    workspace = models.OneToOneField("accounts.Workspace", primary_key=True, on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField()

    objects = WorkspaceScopedManager()

    def __str__(self) -> str:
        return f"recompute of workspace {self.workspace_id} queued at {self.queued_at:%Y-%m-%d %H:%M:%S}"


from kpis.annotations import Annotation  # noqa: F401, E402
from kpis.dashboard_layouts import AgencyLayout, WorkspaceLayout  # noqa: F401, E402
from kpis.targets import Target  # noqa: F401, E402
