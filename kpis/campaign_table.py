"""The campaign table: each campaign's KPIs over a range, from the rollups, in a fixed number of queries.

One GROUP BY over the daily components (per campaign) gives the additive sums and the open deals at
the range's end; the KPIs built on them use the catalogue's formulas, so a row agrees with the
dashboard narrowed to that campaign. Attributed revenue comes from `selectors.attribution_for_period`
for the chosen model (two queries whatever the number of campaigns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum

from accounts.models import Workspace
from accounts.tenancy import workspace_reads
from campaigns.models import Campaign
from kpis import formulas, selectors
from kpis.models import DailyComponents
from kpis.periods import Period
from kpis.reads.spans import money_sum

SUMMED = ("spend", "impressions", "clicks", "leads", "mqls", "won_revenue")
MONEY = frozenset({"spend", "won_revenue", "cpl", "attributed_revenue"})
# Sortable columns: (key, label, kind for formatting); "name", "channel" and "starts_on" sort as text and dates.
COLUMNS = (
    ("spend", "Spend", "money"),
    ("impressions", "Impressions", "count"),
    ("clicks", "Clicks", "count"),
    ("ctr", "CTR", "rate"),
    ("leads", "Leads", "count"),
    ("cpl", "CPL", "money"),
    ("mqls", "MQLs", "count"),
    ("open_deals", "Pipeline (open deals)", "count"),
    ("won_revenue", "Won revenue", "money"),
    ("roi", "ROI", "rate"),
    ("attributed_revenue", "Attributed revenue", "money"),
)
SORTS = ("name", "channel", "starts_on", "ends_on", *(key for key, _, _ in COLUMNS))
DEFAULT_SORT = "-spend"


@dataclass
class CampaignFigures:
    """A campaign's (or the totals') figures over the range; derived KPIs computed like the catalogue's."""

    spend: Decimal = Decimal(0)
    impressions: int = 0
    clicks: int = 0
    leads: int = 0
    mqls: int = 0
    won_revenue: Decimal = Decimal(0)
    open_deals: int = 0
    attributed_revenue: Decimal = Decimal(0)

    @property
    def ctr(self) -> float | None:
        return formulas.ratio(self.clicks, self.impressions)

    @property
    def cpl(self) -> Decimal | None:
        return formulas.to_cents(formulas.money_ratio(self.spend, self.leads))

    @property
    def roi(self) -> float | None:
        return formulas.roi(self.won_revenue, self.spend)

    def add(self, other: CampaignFigures) -> None:
        for name in (*SUMMED, "open_deals", "attributed_revenue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def value(self, key: str):
        return getattr(self, key)


@dataclass
class CampaignRow:
    campaign: Campaign
    figures: CampaignFigures = field(default_factory=CampaignFigures)

    def sort_value(self, key: str):
        if key in ("name", "channel"):
            return getattr(self.campaign, key).casefold()
        if key in ("starts_on", "ends_on"):
            return getattr(self.campaign, key)
        return self.figures.value(key)


@dataclass
class CampaignTable:
    rows: list[CampaignRow]
    totals: CampaignFigures


def _sums(period: Period) -> dict:
    in_range = Q(day__gte=period.first)
    sums = {name: Sum(name, filter=in_range) for name in SUMMED}
    # Open deals at the end of the range: the running balance of every day up to it (kpis.reads.balances).
    sums["open_deals"] = Sum(F("deals_created") - F("deals_closed_out"))
    return sums


def campaign_table(*, workspace: Workspace, period: Period, channel: str | None, model: str) -> CampaignTable:
    """Every campaign (of `channel`, when given) with its figures over `period`, unsorted, and their totals."""
    with workspace_reads(workspace):
        campaigns = Campaign.objects.only("external_id", "name", "channel", "is_abm", "starts_on", "ends_on", "budget")
        if channel:
            campaigns = campaigns.filter(channel=channel)
        rows = {c.pk: CampaignRow(c) for c in campaigns}
        sums = (
            DailyComponents.objects.filter(campaign_id__isnull=False, day__lte=period.last)
            .values("campaign_id")
            .annotate(**_sums(period))
        )
        for sum_row in sums:
            row = rows.get(sum_row["campaign_id"])
            if row is None:
                continue  # another channel's campaign
            figures = row.figures
            figures.spend, figures.won_revenue = money_sum(sum_row["spend"]), money_sum(sum_row["won_revenue"])
            for name in ("impressions", "clicks", "leads", "mqls", "open_deals"):
                setattr(figures, name, int(sum_row[name] or 0))
    attributed = selectors.attribution_for_period(
        workspace=workspace, first_day=period.first, last_day=period.last, model=model, reconciled=True
    )
    by_external_id = {row.campaign.external_id: row for row in rows.values()}
    for credit in attributed:
        row = by_external_id.get(credit["campaign"])
        if row is not None:
            row.figures.attributed_revenue = credit["revenue"]
    totals = CampaignFigures()
    for row in rows.values():
        totals.add(row.figures)
    return CampaignTable(list(rows.values()), totals)


def parse_sort(text: str | None) -> tuple[str, bool]:
    """(column, descending) from "roi" or "-roi"; an unknown column falls back to the default."""
    text = text or DEFAULT_SORT
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key not in SORTS:
        return parse_sort(DEFAULT_SORT)
    return key, descending


def sorted_rows(rows: list[CampaignRow], key: str, descending: bool) -> list[CampaignRow]:
    """Rows by `key`, campaigns without a value (no spend for ROI, no dates) last either way, then by name."""
    by_name = sorted(rows, key=lambda r: (r.campaign.name.casefold(), r.campaign.external_id))
    present = [r for r in by_name if r.sort_value(key) is not None]
    missing = [r for r in by_name if r.sort_value(key) is None]
    return sorted(present, key=lambda r: r.sort_value(key), reverse=descending) + missing
