"""A report's content for one period: every figure read from `kpis` (selectors, cards, charts, targets).

Nothing here computes a KPI: values come from `kpis.selectors`, changes and
target progress from `kpis.display` / `kpis.targets` through the dashboard's
card builder, charts from the dashboard's own chart classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.branding import Brand, brand_for_workspace
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpis import display, periods, records, selectors
from kpis.catalog import KPIS
from kpis.charts import CHARTS, PALETTE
from kpis.targets import targets_for_period
from kpis.views.cards import Card, CardBuilder
from kpis.views.dashboard import target_cards
from kpis.views.state import DashboardState
from reports import summary
from reports.sections import DEFAULT_SECTIONS, HEADLINE_KPIS, SECTIONS, TOP_CAMPAIGNS
from reports.svg import chart_svg

MAX_TABLE_LABELS = 12
# The dashboard draws the channels chart horizontally; the report's SVG stands it upright.
DESCRIPTIONS = {
    "channels": "Spend and won revenue (bars, left axis) and leads (right axis) per channel over the period."
}


@dataclass
class Section:
    key: str
    title: str
    kind: str
    data: dict = field(default_factory=dict)


@dataclass
class Report:
    workspace: Workspace
    brand: Brand
    period: periods.Period
    comparison: periods.Period
    headline: list[Card]
    sections: list[Section]
    summary: str
    summary_is_draft: bool
    generated_at: datetime
    as_of: datetime | None

    @property
    def period_label(self) -> str:
        return display.format_period(self.period.first, self.period.last)

    @property
    def comparison_label(self) -> str:
        return display.format_period(self.comparison.first, self.comparison.last)


def _state(period: periods.Period) -> DashboardState:
    return DashboardState("custom", period, periods.default_grain(period))


def _chart(workspace: Workspace, state: DashboardState, name: str, colours: list[str]) -> dict:
    # The dashboard's own chart, built without a request: a report is workspace-wide, as its state says.
    view = CHARTS[name]()
    view.workspace, view.state = workspace, state
    labels, series = view.build()
    table = None
    if len(labels) <= MAX_TABLE_LABELS:
        table = [
            (label, [_series_text(s.unit, s.values[i], workspace.currency) for s in series])
            for i, label in enumerate(labels)
        ]
    svg = chart_svg(labels, series, currency=workspace.currency, title=view.title, colours=colours)
    return {
        "svg": mark_safe(svg),  # noqa: S308 (reports.svg escapes every text it draws)
        "description": DESCRIPTIONS.get(name, view.description),
        "series": [s.label for s in series],
        "table": table,
    }


def _series_text(unit: str, value, currency: str) -> str:
    kinds = {"money": "money", "rate": "rate", "days": "days", "count": "count"}
    return display.format_value(value, kinds.get(unit, "ratio"), currency)


def _top_campaigns(workspace: Workspace, period: periods.Period) -> list[dict]:
    """The campaigns credited the most won revenue (linear attribution), with their spend, leads and CPL."""
    rows = selectors.attribution_for_period(
        workspace=workspace, first_day=period.first, last_day=period.last, model="linear"
    )
    ranked = sorted(
        (r for r in rows if r["campaign"] != selectors.UNATTRIBUTED), key=lambda r: (-r["revenue"], r["campaign"])
    )
    with workspace_scope(workspace):
        by_id = records.campaigns_by_external_id()
    result = []
    for row in ranked[:TOP_CAMPAIGNS]:
        campaign = by_id.get(row["campaign"])
        if campaign is None:
            continue
        values = selectors.kpis_for_period(
            workspace=workspace,
            first_day=period.first,
            last_day=period.last,
            campaign=campaign,
            metrics=["spend", "leads", "cpl"],
        )
        result.append(
            {
                "name": campaign.name,
                "channel": display.channel_label(campaign.channel),
                "revenue": display.format_money(row["revenue"], workspace.currency),
                "spend": display.format_kpi("spend", values["spend"], workspace.currency),
                "leads": display.format_kpi("leads", values["leads"], workspace.currency),
                "cpl": display.format_kpi("cpl", values["cpl"], workspace.currency),
            }
        )
    return result


def build_report(
    workspace: Workspace,
    period: periods.Period,
    comparison: periods.Period | None = None,
    *,
    section_keys: list[str] | tuple[str, ...] = DEFAULT_SECTIONS,
    commentary: str = "",
) -> Report:
    """The report of `workspace` over `period` against `comparison` (by default the period before it)."""
    comparison = comparison or period.previous()
    state = _state(period)
    values = selectors.kpis_for_period(workspace=workspace, first_day=period.first, last_day=period.last)
    previous = selectors.kpis_for_period(workspace=workspace, first_day=comparison.first, last_day=comparison.last)
    targets = targets_for_period(workspace=workspace, period=period)
    builder = CardBuilder(values, previous, workspace, state, targets, drill=False)
    brand = brand_for_workspace(workspace)
    colours = [brand.primary_colour, *PALETTE[1:]] if brand.primary_colour else list(PALETTE)
    headline = builder.cards(HEADLINE_KPIS)
    at_risk = target_cards(builder)
    draft = summary.draft(workspace, period, builder.cards(HEADLINE_KPIS), at_risk)
    sections = []
    for key in section_keys:
        if key not in SECTIONS:
            continue  # a section since withdrawn: the rest of the template still renders
        title = SECTIONS[key]
        if key == "summary":
            sections.append(Section(key, title, "summary"))
        elif key == "headline":
            sections.append(Section(key, title, "headline", {"cards": headline}))
        elif key.startswith("chart:"):
            name = key.split(":", 1)[1]
            chart_title = CHARTS[name].title
            sections.append(Section(key, chart_title, "chart", _chart(workspace, state, name, colours)))
        elif key == "targets":
            sections.append(Section(key, title, "targets", {"cards": at_risk}))
        elif key == "top_campaigns":
            sections.append(Section(key, title, "campaigns", {"rows": _top_campaigns(workspace, period)}))
        elif key.startswith("table:"):
            group = key.split(":", 1)[1]
            names = [name for name in KPIS.names if KPIS[name].group == group]
            sections.append(Section(key, f"{group} KPIs", "table", {"cards": builder.cards(names)}))
    return Report(
        workspace=workspace,
        brand=brand,
        period=period,
        comparison=comparison,
        headline=headline,
        sections=sections,
        summary=commentary.strip() or draft,
        summary_is_draft=not commentary.strip(),
        generated_at=timezone.now(),
        as_of=selectors.kpis_as_of(workspace=workspace),
    )


def headline_figures(report: Report) -> list[tuple[str, str, str]]:
    """(label, value, change) of the headline KPIs: the email's summary."""
    return [(c.info.label, c.text, f"{c.vs_previous.text} vs {report.comparison_label}") for c in report.headline]
