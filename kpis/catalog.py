"""The KPI catalogue: one entry per KPI, the one place that says what a KPI is.

An entry holds what the rest of the product derives from it: its label and
kind (one vocabulary: how it is typed in the API, formatted on pages and
compared against targets), the panel it shows in, the formula as a person
reads it and as the code computes it, the query groups it reads, and the
policies that follow from it (workspace-wide, targetable, higher is better,
approximate when daily aggregate stats contribute). docs/kpis.md documents
every entry and a test keeps the two in step.

Adding a KPI is one entry here (with its `compute` line) and its tests. A
deployment (or a test) may add entries of its own through the
`KPI_CATALOGUE_EXTRA` setting: dotted paths to `Kpi` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from kpis import formulas as f


class Kind(StrEnum):
    """What a KPI's value is: its type in the API, its format on pages, how a target reads it."""

    MONEY = "money"
    COUNT = "count"
    RATE = "rate"  # a fraction, shown as a percentage
    DAYS = "days"
    MONEY_PER_DAY = "money_per_day"
    RATIO = "ratio"  # a plain number such as pages per session
    SCORE = "score"  # an account's engagement score (ABM tables and charts)

    @property
    def is_money(self) -> bool:
        """Decimal in the engine, a 2-decimal string in the API."""
        return self in (Kind.MONEY, Kind.MONEY_PER_DAY)

    @property
    def unit(self) -> str:
        return _UNITS[self]


_UNITS = {
    Kind.MONEY: "currency",
    Kind.COUNT: "count",
    Kind.RATE: "fraction (shown as %)",
    Kind.DAYS: "days",
    Kind.MONEY_PER_DAY: "currency per day",
    Kind.RATIO: "number",
    Kind.SCORE: "points",
}


class Reads(StrEnum):
    """The query groups of the read side (`kpis.selectors`, `kpis.series`): what a KPI's inputs cost."""

    COMPONENTS = "components"  # the additive daily components (rollups)
    WON_DEALS = "won_deals"  # first won deals, sales cycles, repeat revenue
    BALANCES = "balances"  # open deals and MRR at the end of the period
    RECURRING = "recurring"  # active and churned customers
    EMAIL_UNIQUE = "email_unique"  # distinct (lead, campaign) opens and clicks
    WEB = "web"  # distinct and new visitors
    ABM = "abm"  # target accounts, engagement, MQAs
    SEO = "seo"  # the latest SEO levels (SeoStat) at the end of the period and before it


class Inputs:
    """What a `compute` line reads: the KPIs computed before it, else the summed components (0 when absent).

    `gross_margin` and `days` (the length of the period) come from the workspace and the period.
    """

    def __init__(self, raw: Mapping[str, Any], *, gross_margin: Decimal, days: int) -> None:
        self._raw = raw
        self.values: dict[str, Any] = {}
        self.gross_margin = gross_margin
        self.days = days

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.values:
            return self.values[name]
        return self._raw.get(name, default)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name, 0)


Compute = Callable[[Inputs], Any]


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    kind: Kind
    # The section of the "every KPI" listing and of docs/kpis.md.
    group: str
    # The formula as a person reads it (pages, docs); `compute` is the same in code.
    formula: str
    compute: Compute
    reads: frozenset[Reads]
    # The KPI names whose values make up this one (shown under the formula).
    components: tuple[str, ...] = ()
    # The dashboard panel that shows it (None: not on the dashboard's panels).
    panel: str | None = None
    higher_is_better: bool = True
    # A sum over days (spend, leads…): a target for a longer period is prorated to the range.
    additive: bool = False
    # Workspace-wide: null when narrowed to a campaign or channel.
    workspace_wide: bool = False
    targetable: bool = False
    # A budget-like KPI (spend): on track near its target, whether over or under.
    paced: bool = False
    # An upper bound, not an exact count, whenever daily aggregate stats (WebStat) contribute.
    approximate_with_stats: bool = False
    # The record list that shows the rows behind it.
    drill_down: str | None = None


def kpi(name: str, label: str, kind: str, group: str, formula: str, compute: Compute, reads: str, **kwargs) -> Kpi:
    """An entry; `reads` names the query groups separated by spaces."""
    components = tuple(kwargs.pop("components", ()))
    groups = frozenset(Reads(r) for r in reads.split())
    return Kpi(name, label, Kind(kind), group, formula, compute, groups, components, **kwargs)


# Short names for the entries' `reads` (a StrEnum member reads as its value in "C WON").
C, WON, BAL, REC, MAIL, WEB, ABM, SEO = Reads

# The dashboard's panels, in order (a panel named by an entry but not here comes after them).
PANELS = ("Funnel", "Cost", "Recurring revenue", "Email", "Web", "Social", "SEO")

# In the order of docs/kpis.md; a panel shows its KPIs in this order.
ENTRIES: tuple[Kpi, ...] = (
    # Volume
    kpi("spend", "Spend", "money", "Volume", "Σ cost of spend entries dated in the period", lambda v: v.spend, C,
        additive=True, drill_down="spend", paced=True, targetable=True),
    kpi("impressions", "Impressions", "count", "Volume", "Σ impressions of the spend entries in the period",
        lambda v: v.impressions, C, additive=True, panel="Cost"),
    kpi("clicks", "Clicks", "count", "Volume", "Σ clicks of the spend entries in the period", lambda v: v.clicks, C,
        additive=True, panel="Cost"),
    kpi("leads", "Leads", "count", "Volume", "# leads created in the period", lambda v: v.leads, C,
        additive=True, drill_down="leads", targetable=True, panel="Funnel"),
    kpi("mqls", "MQLs", "count", "Volume", "# leads that became MQL in the period", lambda v: v.mqls, C,
        additive=True, drill_down="mqls", targetable=True),
    kpi("sqls", "SQLs", "count", "Volume", "# leads that became SQL in the period", lambda v: v.sqls, C,
        additive=True, drill_down="sqls"),
    kpi("sqos", "SQOs", "count", "Volume", "# leads that became SQO in the period", lambda v: v.sqos, C,
        additive=True, drill_down="sqos", targetable=True),
    kpi("deals_created", "Deals created", "count", "Volume", "# deals created in the period",
        lambda v: v.deals_created, C, additive=True, drill_down="deals_created"),
    kpi("deals_won", "Deals won", "count", "Volume", "# deals won (closed) in the period", lambda v: v.deals_won, C,
        additive=True, drill_down="deals_won", targetable=True),
    kpi("deals_lost", "Deals lost", "count", "Volume", "# deals lost (closed) in the period",
        lambda v: v.deals_lost, C, additive=True, higher_is_better=False, drill_down="deals_lost"),
    kpi("won_revenue", "Won revenue", "money", "Volume", "Σ amount of the deals won in the period",
        lambda v: v.won_revenue, C, additive=True, drill_down="deals_won", targetable=True),
    kpi("repeat_customer_revenue", "Repeat customer revenue", "money", "Volume",
        "Σ amount of deals won in the period whose account already had an earlier won deal",
        lambda v: v.repeat_customer_revenue, WON, additive=True),
    kpi("new_customers", "New customers", "count", "Volume", "# accounts whose first won deal closed in the period",
        lambda v: v.new_customers, WON, additive=True, targetable=True),
    # Cost
    kpi("cpl", "Cost per lead", "money", "Cost", "spend ÷ leads", lambda v: f.money_ratio(v.spend, v.leads), C,
        components=("spend", "leads"), higher_is_better=False, targetable=True, panel="Cost"),
    kpi("cost_per_mql", "Cost per MQL", "money", "Cost", "spend ÷ MQLs", lambda v: f.money_ratio(v.spend, v.mqls), C,
        components=("spend", "mqls"), higher_is_better=False, panel="Cost"),
    kpi("cost_per_sqo", "Cost per SQO", "money", "Cost", "spend ÷ SQOs", lambda v: f.money_ratio(v.spend, v.sqos), C,
        components=("spend", "sqos"), higher_is_better=False, targetable=True, panel="Cost"),
    kpi("cac", "Customer acquisition cost", "money", "Cost", "spend ÷ new customers", lambda v: f.money_ratio(v.spend, v.new_customers),
        f"{C} {WON}", components=("spend", "new_customers"), higher_is_better=False, targetable=True, panel="Cost"),
    kpi("cpc", "Cost per click", "money", "Cost", "spend ÷ clicks", lambda v: f.money_ratio(v.spend, v.clicks), C,
        components=("spend", "clicks"), higher_is_better=False, panel="Cost"),
    kpi("ad_ctr", "Ad click-through rate", "rate", "Cost", "clicks ÷ impressions", lambda v: f.ratio(v.clicks, v.impressions), C,
        components=("clicks", "impressions"), panel="Cost"),
    # Funnel
    kpi("mql_rate", "MQL rate", "rate", "Funnel", "leads created in the period that reached MQL (ever) ÷ leads",
        lambda v: f.ratio(v.cohort_mqls, v.leads), C, components=("leads",), panel="Funnel"),
    kpi("sql_rate", "SQL rate", "rate", "Funnel", "leads created in the period that reached SQL (ever) ÷ leads",
        lambda v: f.ratio(v.cohort_sqls, v.leads), C, components=("leads",), panel="Funnel"),
    kpi("sqo_rate", "SQO rate", "rate", "Funnel", "leads created in the period that reached SQO (ever) ÷ leads",
        lambda v: f.ratio(v.cohort_sqos, v.leads), C, components=("leads",), panel="Funnel"),
    kpi("lead_to_customer_rate", "Lead-to-customer rate", "rate", "Funnel",
        "leads created in the period that are the lead of a won deal ÷ leads",
        lambda v: f.ratio(v.cohort_customers, v.leads), C, components=("leads",), panel="Funnel"),
    # Revenue
    kpi("revenue_per_lead", "Revenue per lead", "money", "Revenue", "won revenue ÷ leads",
        lambda v: f.money_ratio(v.won_revenue, v.leads), C, components=("won_revenue", "leads")),
    kpi("roi", "Marketing ROI", "rate", "Revenue", "(won revenue − spend) ÷ spend", lambda v: f.roi(v.won_revenue, v.spend), C,
        components=("won_revenue", "spend"), targetable=True),
    kpi("avg_deal_size", "Average deal size", "money", "Revenue", "won revenue ÷ deals won",
        lambda v: f.money_ratio(v.won_revenue, v.deals_won), C, components=("won_revenue", "deals_won"),
        panel="Funnel"),
    kpi("win_rate", "Win rate", "rate", "Revenue", "deals won ÷ (deals won + deals lost)",
        lambda v: f.win_rate(v.deals_won, v.deals_lost), C, components=("deals_won", "deals_lost"),
        targetable=True, panel="Funnel"),
    kpi("avg_sales_cycle_days", "Average sales cycle", "days", "Revenue",
        "mean over deals won in the period of (closed_at − the account's first touch), in days",
        lambda v: v.get("avg_sales_cycle_days"), WON, components=("deals_won",), higher_is_better=False,
        panel="Funnel"),
    kpi("open_deals", "Open deals (pipeline)", "count", "Revenue", "# deals created before the end of the period and not closed by then",
        lambda v: v.open_deals, BAL, drill_down="open_deals"),
    kpi("pipeline_velocity", "Pipeline velocity", "money_per_day", "Revenue",
        "open deals × win rate × average deal size ÷ average sales cycle (money per day)",
        lambda v: f.pipeline_velocity(v.open_deals, v.win_rate, v.avg_deal_size, v.avg_sales_cycle_days),
        f"{C} {WON} {BAL}", components=("open_deals", "win_rate", "avg_deal_size", "avg_sales_cycle_days")),
    # Recurring revenue
    kpi("mrr", "MRR", "money", "Recurring", "Σ mrr of won deals closed before the end of the period and not churned by then",
        lambda v: v.mrr, BAL, targetable=True, panel="Recurring revenue"),
    kpi("new_mrr", "New MRR", "money", "Recurring", "Σ mrr of the deals won in the period", lambda v: v.new_mrr, C,
        additive=True, targetable=True, panel="Recurring revenue"),
    kpi("churned_mrr", "Churned MRR", "money", "Recurring", "Σ mrr of won deals that churned in the period",
        lambda v: v.churned_mrr, C, additive=True, higher_is_better=False, panel="Recurring revenue"),
    kpi("active_customers", "Active customers", "count", "Recurring",
        "# accounts with a won, not churned deal at the end of the period", lambda v: v.active_customers, REC,
        workspace_wide=True, panel="Recurring revenue"),
    kpi("customer_churn_rate", "Customer churn rate", "rate", "Recurring",
        "# accounts active at the start and not at the end of the period ÷ # accounts active at the start",
        lambda v: f.ratio(v.churned_customers, v.active_at_start), REC, higher_is_better=False, workspace_wide=True,
        panel="Recurring revenue"),
    kpi("retention_rate", "Retention rate", "rate", "Recurring", "1 − customer churn rate",
        lambda v: f.retention_rate(v.customer_churn_rate), REC, components=("customer_churn_rate",),
        workspace_wide=True, panel="Recurring revenue"),
    kpi("arpa", "ARPA", "money", "Recurring", "MRR ÷ active customers",
        lambda v: f.money_ratio(v.mrr, v.active_customers), f"{BAL} {REC}", components=("mrr", "active_customers"),
        workspace_wide=True, panel="Recurring revenue"),
    kpi("clv", "Customer lifetime value", "money", "Recurring", "ARPA × gross margin ÷ (customer churn rate × 30 ÷ days in the period)",
        lambda v: f.clv(v.arpa, v.gross_margin, v.customer_churn_rate, v.days), f"{BAL} {REC}",
        components=("arpa", "customer_churn_rate"), workspace_wide=True, panel="Recurring revenue"),
    # Email
    kpi("emails_sent", "Emails sent", "count", "Email", "# email_sent touchpoints in the period",
        lambda v: v.emails_sent, C, additive=True, panel="Email"),
    kpi("email_bounces", "Email bounces", "count", "Email", "# email_bounce touchpoints in the period",
        lambda v: v.email_bounces, C, additive=True, higher_is_better=False),
    kpi("emails_delivered", "Emails delivered", "count", "Email", "emails sent − email bounces",
        lambda v: v.emails_sent - v.email_bounces, C, components=("emails_sent", "email_bounces"), additive=True,
        panel="Email"),
    kpi("unique_opens", "Unique opens", "count", "Email", "# distinct (lead, campaign) pairs with an email_open in the period",
        lambda v: v.unique_opens, MAIL, panel="Email"),
    kpi("unique_clicks", "Unique clicks", "count", "Email",
        "# distinct (lead, campaign) pairs with an email_click in the period", lambda v: v.unique_clicks, MAIL),
    kpi("open_rate", "Open rate", "rate", "Email", "unique opens ÷ emails delivered",
        lambda v: f.ratio(v.unique_opens, v.emails_delivered), f"{C} {MAIL}",
        components=("unique_opens", "emails_delivered"), targetable=True, panel="Email"),
    kpi("email_ctr", "Email click-through rate", "rate", "Email", "unique clicks ÷ emails delivered",
        lambda v: f.ratio(v.unique_clicks, v.emails_delivered), f"{C} {MAIL}",
        components=("unique_clicks", "emails_delivered"), panel="Email"),
    kpi("click_to_open_rate", "Click-to-open rate", "rate", "Email", "unique clicks ÷ unique opens",
        lambda v: f.ratio(v.unique_clicks, v.unique_opens), MAIL, components=("unique_clicks", "unique_opens"),
        panel="Email"),
    kpi("bounce_rate", "Bounce rate", "rate", "Email", "email bounces ÷ emails sent",
        lambda v: f.ratio(v.email_bounces, v.emails_sent), C, components=("email_bounces", "emails_sent"),
        higher_is_better=False, panel="Email"),
    kpi("unsubscribe_rate", "Unsubscribe rate", "rate", "Email", "# email_unsubscribe ÷ emails delivered",
        lambda v: f.ratio(v.email_unsubscribes, v.emails_delivered), C, components=("emails_delivered",),
        higher_is_better=False, panel="Email"),
    kpi("inbox_placement_rate", "Inbox placement rate", "rate", "Email", "(emails delivered − # email_spam) ÷ emails sent",
        lambda v: f.ratio(v.emails_delivered - v.email_spam, v.emails_sent), C,
        components=("emails_delivered", "emails_sent"), panel="Email"),
    # Web
    kpi("page_views", "Page views", "count", "Web", "# page_view touchpoints in the period", lambda v: v.page_views, C,
        additive=True, panel="Web"),
    kpi("sessions", "Sessions", "count", "Web", "# sessions whose first page view is in the period",
        lambda v: v.sessions, C, additive=True, targetable=True, panel="Web"),
    kpi("bounce_rate_web", "Web bounce rate", "rate", "Web", "# sessions with exactly one page view ÷ sessions",
        lambda v: f.ratio(v.single_page_sessions, v.sessions), C, components=("sessions",), higher_is_better=False,
        panel="Web"),
    kpi("pages_per_session", "Pages per session", "ratio", "Web", "page views of the period's sessions ÷ sessions",
        lambda v: f.ratio(v.session_page_views, v.sessions), C, components=("sessions",), panel="Web"),
    kpi("unique_visitors", "Unique visitors", "count", "Web", "# distinct visitors with a page view in the period",
        lambda v: v.unique_visitors, WEB, approximate_with_stats=True, panel="Web"),
    kpi("new_visitors", "New visitors", "count", "Web",
        "# of those visitors whose first page view ever is in the period", lambda v: v.new_visitors, WEB,
        approximate_with_stats=True, panel="Web"),
    kpi("returning_visitors", "Returning visitors", "count", "Web", "unique visitors − new visitors",
        lambda v: v.unique_visitors - v.new_visitors, WEB, components=("unique_visitors", "new_visitors"),
        approximate_with_stats=True),
    kpi("returning_visitor_rate", "Returning visitor rate", "rate", "Web", "returning visitors ÷ unique visitors",
        lambda v: f.ratio(v.returning_visitors, v.unique_visitors), WEB,
        components=("returning_visitors", "unique_visitors"), approximate_with_stats=True, panel="Web"),
    kpi("content_downloads", "Content downloads", "count", "Web", "# content_download touchpoints in the period",
        lambda v: v.content_downloads, C, additive=True, panel="Web"),
    kpi("download_rate", "Download rate", "rate", "Web", "content downloads ÷ unique visitors",
        lambda v: f.ratio(v.content_downloads, v.unique_visitors), f"{C} {WEB}",
        components=("content_downloads", "unique_visitors"), approximate_with_stats=True, panel="Web"),
    # Social
    kpi("social_engagements", "Social engagements", "count", "Social", "# social_engagement touchpoints in the period",
        lambda v: v.social_engagements, C, additive=True, panel="Social"),
    kpi("social_engagement_rate", "Social engagement rate", "rate", "Social",
        "social engagements on social campaigns ÷ impressions of those campaigns in the period",
        lambda v: f.ratio(v.social_channel_engagements, v.social_channel_impressions), C,
        components=("social_engagements",), panel="Social"),
    # SEO: levels an SEO tool reports (SeoStat), never summed
    kpi("backlinks", "Backlinks", "count", "SEO", "backlinks of the latest SEO stat dated on or before the end of the period",
        lambda v: v.get("seo_backlinks"), SEO, workspace_wide=True, panel="SEO"),
    kpi("referring_domains", "Referring domains", "count", "SEO",
        "referring domains of the latest SEO stat dated on or before the end of the period",
        lambda v: v.get("seo_referring_domains"), SEO, workspace_wide=True, panel="SEO"),
    kpi("backlinks_gained", "Backlinks gained", "count", "SEO",
        "backlinks − backlinks of the latest SEO stat dated before the start of the period (null if either is missing)",
        lambda v: f.difference(v.get("seo_backlinks"), v.get("seo_backlinks_before")), SEO,
        components=("backlinks",), workspace_wide=True, panel="SEO"),
    # ABM
    kpi("target_accounts", "Target accounts", "count", "ABM", "# accounts on the ABM target list",
        lambda v: v.target_accounts, ABM, workspace_wide=True),
    kpi("engaged_target_accounts", "Engaged target accounts", "count", "ABM",
        "# target accounts with at least one engagement touchpoint in the period",
        lambda v: v.engaged_target_accounts, ABM, workspace_wide=True),
    kpi("account_engagement_rate", "Account engagement rate", "rate", "ABM", "engaged target accounts ÷ target accounts",
        lambda v: f.ratio(v.engaged_target_accounts, v.target_accounts), ABM,
        components=("engaged_target_accounts", "target_accounts"), workspace_wide=True),
    kpi("mqas", "MQAs", "count", "ABM",
        "# target accounts whose engagement score at the end of the period reaches the MQA threshold",
        lambda v: v.mqas, ABM, workspace_wide=True, targetable=True),
    kpi("target_accounts_won", "Target accounts won", "count", "ABM",
        "# target accounts whose first won deal closed in the period", lambda v: v.target_accounts_won, WON,
        workspace_wide=True),
    kpi("target_account_conversion_rate", "Target account conversion", "rate", "ABM",
        "# target accounts that are or were customers by the end of the period ÷ target accounts",
        lambda v: f.ratio(v.converted_target_accounts, v.target_accounts), ABM, components=("target_accounts",),
        workspace_wide=True),
    kpi("abm_velocity_days", "ABM velocity (target)", "days", "ABM",
        "mean over target accounts first won in the period of (first won deal's close − first touch), in days",
        lambda v: v.get("abm_velocity_days"), WON, higher_is_better=False, workspace_wide=True),
    kpi("non_target_velocity_days", "Velocity (non-target)", "days", "ABM", "the same over non-target accounts",
        lambda v: v.get("non_target_velocity_days"), WON, higher_is_better=False, workspace_wide=True),
)  # fmt: skip


class Catalogue(Mapping[str, Kpi]):
    """Every KPI by name, in order: the built-in entries, then those of `KPI_CATALOGUE_EXTRA`."""

    def __init__(self, entries: tuple[Kpi, ...]) -> None:
        self._base = entries

    @cached_property
    def _entries(self) -> dict[str, Kpi]:
        extra = tuple(import_string(path) for path in getattr(settings, "KPI_CATALOGUE_EXTRA", ()))
        entries = {entry.name: entry for entry in (*self._base, *extra)}
        if len(entries) != len(self._base) + len(extra):
            raise ValueError("KPI_CATALOGUE_EXTRA repeats a KPI name")
        return entries

    def reload(self) -> None:
        self.__dict__.pop("_entries", None)

    def __getitem__(self, name: str) -> Kpi:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def named(self, names) -> tuple[str, ...]:
        """The catalogue's names among `names`, in catalogue order (every KPI for None)."""
        if names is None:
            return self.names
        wanted = set(names)
        return tuple(name for name in self._entries if name in wanted)

    def reads(self, names) -> set[Reads]:
        """The query groups the KPIs `names` need."""
        return set().union(*(self._entries[name].reads for name in names))

    def where(self, **flags) -> tuple[str, ...]:
        """The names of the entries whose attributes equal `flags` (e.g. targetable=True)."""
        return tuple(n for n, e in self._entries.items() if all(getattr(e, k) == v for k, v in flags.items()))

    def panels(self) -> dict[str, tuple[str, ...]]:
        """The dashboard's panels with their KPIs, each in catalogue order."""
        panels: dict[str, list[str]] = {title: [] for title in PANELS}
        for name, entry in self._entries.items():
            if entry.panel:
                panels.setdefault(entry.panel, []).append(name)
        return {title: tuple(names) for title, names in panels.items() if names}


KPIS = Catalogue(ENTRIES)


def _reload(*, setting: str, **kwargs) -> None:
    if setting == "KPI_CATALOGUE_EXTRA":
        KPIS.reload()


setting_changed.connect(_reload)
