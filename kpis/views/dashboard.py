"""The workspace dashboard (/w/<slug>/) and its printable report."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import NamedTuple

from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpis import dashboard_layouts, display, periods, records, selectors
from kpis.catalog import KPIS
from kpis.dashboard_layouts import CHARTS, Layout, Section
from kpis.targets import HEALTH_LABELS, targets_for_period, worst_health
from kpis.views.cards import Card, CardBuilder
from kpis.views.exports import csv_response, export_name, raw
from kpis.views.state import DashboardStateMixin

# The chart at the head of each catalogue panel in the built-in layout (share links allow these charts).
PANEL_CHARTS = {title: CHARTS[key] for title, key in dashboard_layouts.PANEL_CHARTS.items()}


class PanelSource(NamedTuple):
    # Daily components that are never all zero once the workspace has this kind of data.
    components: tuple[str, ...]
    # What the panel says instead of a wall of zeros while there is none.
    missing: str


PANEL_SOURCES = {
    "Funnel": PanelSource(
        ("leads", "deals_created", "deals_won", "deals_lost"),
        "No leads yet: import a CRM's contacts or deals, or push them to /api/v1/leads/.",
    ),
    "Cost": PanelSource(
        ("spend", "impressions", "clicks"), "No spend yet: import an ad platform's spend report or push daily spend."
    ),
    "Recurring revenue": PanelSource(
        ("deals_won", "new_mrr", "churned_mrr"), "No customers yet: import won deals, with their MRR if they recur."
    ),
    "Email": PanelSource(
        ("emails_sent", "email_bounces", "email_unsubscribes"),
        "No email data yet: import an email tool's campaign report or push email touchpoints.",
    ),
    "Web": PanelSource(
        ("page_views", "sessions", "content_downloads"), "No web data yet: import a GA4 export or push page views."
    ),
    "Social": PanelSource(
        ("social_engagements",), "No social data yet: import a social network's report or push engagements."
    ),
}


SOURCE_COMPONENTS = tuple(dict.fromkeys(name for source in PANEL_SOURCES.values() for name in source.components))


def missing_source(section: Section, cards: list[Card], totals: dict[str, object]) -> str:
    """What a catalogue panel's section says instead of a wall of zeros while its kind of data never arrived."""
    source = PANEL_SOURCES.get(section.title)
    if source is None or any(card.value for card in cards) or any(totals.get(n) for n in source.components):
        return ""
    return source.missing


def headline_sparklines(workspace: Workspace, state, names) -> dict[str, tuple[str, str]]:
    """Each headline KPI's trend over the range's eight sparkline windows: (SVG points, what it says).

    One batched read of the eight windows, whatever the range's length.
    """
    windows = periods.sparkline_windows(state.period)
    series = selectors.kpis_for_periods(
        workspace=workspace, periods=[(w.first, w.last) for w in windows], metrics=names, **state.scope
    )
    width = "day" if windows[0].days == 1 else f"{windows[0].days} days"
    span = f"{display.format_day(windows[0].first, 'day_month')} to {display.format_day(windows[-1].last, 'day_month')}"
    lines = {}
    for name in names:
        values = [window.get(name) for window in series]
        if not any(values):
            continue
        texts = ", ".join(display.format_kpi(name, v, workspace.currency, compact=True) for v in values)
        lines[name] = (display.sparkline_points(values), f"{KPIS[name].label} per {width}, {span}: {texts}")
    return lines


def data_notice(state, span: records.ActivitySpan) -> dict:
    """When the range holds no activity: the days that do, and the dashboard's query showing them."""
    if span.days_in_period or span.last is None:
        return {"computing": span.last is None}
    first = max(span.first, span.last - timedelta(days=periods.MAX_RANGE_DAYS - 1))
    return {
        "data_span": span,
        "data_span_query": state.query(range="custom", **{"from": first.isoformat(), "to": span.last.isoformat()}),
    }


def has_data(workspace: Workspace) -> bool:
    with workspace_scope(workspace):
        return records.workspace_has_data()


class WorkspaceDashboardView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """/w/<slug>/: KPI cards, targets and pacing, charts, for the range and scope in the URL."""

    template_name = "kpis/dashboard.html"
    # Whether a card links to the records behind it (a share link's page never does).
    drill = True

    @cached_property
    def layout(self) -> Layout:
        """The workspace's layout, else its agency's default, else the built-in one."""
        return dashboard_layouts.resolve(self.workspace)

    # The KPIs read for the range and the previous period (None: every KPI).
    def metrics(self) -> tuple[str, ...] | None:
        """The KPIs the page reads (None: every KPI): the dashboard's layout."""
        return self.layout.kpis()

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        if request.GET.get("export") == "kpis":
            return self.export_kpis()
        if request.GET.get("export") == "target-progress":
            return self.export_target_progress()
        return super().get(request, *args, **kwargs)

    def figures(self):
        """The figures of the range and of the comparison period (`metrics`; {} when comparing with nothing)."""
        ws, state = self.workspace, self.state
        metrics = self.metrics()
        values = selectors.kpis_for_period(
            workspace=ws, first_day=state.period.first, last_day=state.period.last, metrics=metrics, **state.scope
        )
        return values, self.comparison_values(metrics, **state.scope), None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        # The campaign picker's list already says whether there is any campaign: no query when there is one.
        context["has_data"] = bool(context["campaign_choices"]) or has_data(self.workspace)
        if not context["has_data"]:
            return context
        # One aggregate, whatever the range: the days with activity and what kinds of data ever arrived.
        self.activity = records.activity_span(period=self.state.period, components=SOURCE_COMPONENTS)
        context.update(data_notice(self.state, self.activity))
        values, previous, last_year = self.figures()
        targets = targets_for_period(workspace=self.workspace, period=self.state.period)
        builder = CardBuilder(values, previous, self.workspace, self.state, targets, drill=self.drill)
        context["cards"] = builder.cards(self.layout.headline, last_year)
        self.add_sparklines(context["cards"])
        context["target_cards"] = target_cards(builder)
        context["health"] = worst_health(c.progress.health for c in context["target_cards"])
        context["health_label"] = HEALTH_LABELS[context["health"]]
        context["api_url"] = f"/api/v1/kpis/?{self.state.range_query()}"
        context.update(self.sections(builder))
        return context

    def add_sparklines(self, cards: list[Card]) -> None:
        lines = headline_sparklines(self.workspace, self.state, [card.name for card in cards])
        for card in cards:
            card.sparkline, card.sparkline_label = lines.get(card.name, ("", ""))

    def sections(self, builder: CardBuilder) -> dict:
        """The page's own part below the headline: the layout's sections, each its charts and cards (or what is
        missing); a section without items is left out."""
        sections = []
        for section in self.layout.sections:
            if not section.items:
                continue
            cards = builder.cards(section.kpis)
            missing = missing_source(section, cards, self.activity.totals)
            sections.append({"section": section, "charts": section.charts, "cards": cards, "missing": missing})
        return {"sections": sections, "layout_source": self.layout.source}

    def export_target_progress(self) -> HttpResponse:
        ws, state = self.workspace, self.state
        targets = targets_for_period(workspace=ws, period=state.period)
        values = selectors.kpis_for_period(
            workspace=ws, first_day=state.period.first, last_day=state.period.last, metrics=list(targets), **state.scope
        )
        cards = target_cards(CardBuilder(values, {}, ws, state, targets))
        return csv_response(
            export_name(ws, "target-progress", state.period),
            ["kpi", "label", "actual", "target_for_range", "target_total", "attainment", "progress", "health"],
            (
                [c.name, c.info.label, raw(c.value), raw(c.progress.target_for_range), raw(c.progress.target_total),
                 _fraction(c.progress.attainment), _fraction(c.progress.progress), c.progress.health]
                for c in cards
            ),
        )  # fmt: skip

    def export_kpis(self):
        ws, state = self.workspace, self.state
        values = selectors.kpis_for_period(
            workspace=ws, first_day=state.period.first, last_day=state.period.last, **state.scope
        )
        previous = state.period.previous()
        prev = selectors.kpis_for_period(workspace=ws, first_day=previous.first, last_day=previous.last, **state.scope)
        rows = []
        for name, value in values.items():
            info = KPIS.get(name)
            ch = display.change(name, value, prev.get(name), ws.currency) if info else None
            rows.append(
                [
                    name,
                    info.label if info else name,
                    info.group if info else "",
                    raw(value),
                    raw(prev.get(name)),
                    "" if ch is None or ch.fraction is None else round(ch.fraction, 6),
                    info.formula if info else "",
                ]
            )
        return csv_response(
            export_name(ws, "kpis", state.period),
            ["kpi", "label", "group", "value", "previous_period", "change", "formula"],
            rows,
        )


class ReportView(WorkspaceDashboardView):
    """Every KPI of the range on one page that prints cleanly (browser → Save as PDF)."""

    template_name = "kpis/report.html"

    def metrics(self) -> None:
        return None

    def sections(self, builder: CardBuilder) -> dict:
        """A table of every KPI, by group, from the same reads as the headline."""
        groups: dict[str, list[Card]] = {}
        for card in builder.cards(KPIS):
            groups.setdefault(card.info.group, []).append(card)
        return {"groups": groups, "generated_at": timezone.now()}


def target_cards(builder: CardBuilder) -> list[Card]:
    """The cards of the KPIs with a target overlapping the range."""
    return [card for card in builder.cards(builder.targets) if card.progress]


def _fraction(fraction: float | None) -> float | str:
    return "" if fraction is None else round(fraction, 6)
