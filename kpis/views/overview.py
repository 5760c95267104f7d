"""The agency overview (/): a card per client workspace with its headline KPIs and health."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils import timezone

from accounts import view_state
from accounts.formatting import number_locale
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from accounts.views import HomeView
from kpis import attention, periods, selectors
from kpis.sparklines import Sparkline, sparkline
from kpis.targets import HEALTH_LABELS, Health, Target, TargetPeriodValue, targets_of_workspaces, worst_health
from kpis.views import layouts
from kpis.views.cards import Card, build_cards
from kpis.views.exports import csv_response, raw
from kpis.views.state import COMPARISONS, DEFAULT_COMPARISON, DashboardState, local_today, parse_compare


@dataclass
class OverviewRow:
    workspace: Workspace
    values: dict
    cards: list[Card]
    health: Health
    sparkline: Sparkline | None
    targets_count: int
    target_cards: list[Card] = field(default_factory=list)
    period: periods.Period | None = None  # the client's own (its local date)
    html: str = ""

    def sort_key(self, key: str):
        if key == "name":
            return (0, self.workspace.name.lower())
        if key == "health":
            return (0, ["red", "amber", "green", "none"].index(self.health))
        value = self.values.get(key)
        return (1, 0) if value is None else (0, -float(value))


OVERVIEW_SORTS = {
    "name": "Name",
    "spend": "Spend",
    "leads": "Leads",
    "cpl": "CPL",
    "open_deals": "Pipeline",
    "won_revenue": "Won revenue",
    "roi": "ROI",
    "health": "Health",
}


class AgencyOverviewView(HomeView):
    """Every workspace the user reaches, with its headline KPIs (a deliberate cross-workspace read)."""

    template_name = "kpis/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workspaces = list(context["workspaces"])
        params = view_state.page_params(self.request)  # the URL's range, else the person's last choice
        preset, period, _grain, errors = periods.parse_range(params, timezone.now().date())
        self.compare = parse_compare(params, errors)
        # Each client's range ends on its own local date ("last 7 days" in its time zone).
        ranges = {ws.pk: periods.parse_range(params, local_today(ws))[1] for ws in workspaces}
        range_params = {
            "range": preset,
            **({"from": period.first, "to": period.last} if preset == "custom" else {}),
            **({"compare": self.compare} if self.compare != DEFAULT_COMPARISON else {}),
        }
        query = urlencode(range_params)
        # The grain is not the overview's, but travels on to the clients' pages with the range and comparison.
        kept = {**view_state.recalled(self.request.user, None), **params.dict()}
        shown = {**view_state.state_of(kept, ("grain", "compare")), **range_params}
        view_state.remember(self.request, shown)
        self.request.view_state = shown
        card_query = view_state.carry_query(shown, across_workspaces=True)
        sort = self.request.GET.get("sort") or "name"
        if sort not in OVERVIEW_SORTS:
            sort = "name"
        # One query for every workspace's targets, then each workspace's figures inside its own scope.
        all_targets = targets_of_workspaces(
            workspace_ids=[w.pk for w in workspaces],
            first_day=min((r.first for r in ranges.values()), default=period.first),
            last_day=max((r.last for r in ranges.values()), default=period.last),
        )
        rows = []
        for ws in workspaces:
            with number_locale(ws.number_locale):  # each client's figures in its own number format
                row = self.overview_row(ws, ranges[ws.pk], preset, all_targets.get(ws.pk, []))
                row.html = render_to_string(
                    "kpis/_ws_card.html",
                    {"row": row, "query": card_query, "period": period, "health_labels": HEALTH_LABELS},
                    request=self.request,
                )
            rows.append(row)
        rows.sort(key=lambda row: row.sort_key(sort))
        context.update(
            # Every registered provider's items (stale sources, targets off pace, firing alerts), most severe first.
            attention_items=attention.collect(workspaces),
            rows=rows,
            period=period,
            preset=preset,
            presets=periods.PRESETS,
            comparisons=COMPARISONS,
            compare=self.compare,
            range_errors=errors,
            sort=sort,
            sorts=OVERVIEW_SORTS,
            health_labels=HEALTH_LABELS,
            query=query,
        )
        return context

    def overview_row(
        self, ws: Workspace, ws_period: periods.Period, preset: str, ws_targets: list[Target]
    ) -> OverviewRow:
        """One client's card: its figures for its own period, targets and health, sparkline of leads."""
        targets: dict[str, list] = {}
        for target in ws_targets:
            if target.starts_on <= ws_period.last and target.ends_on >= ws_period.first:
                targets.setdefault(target.kpi, []).append(TargetPeriodValue(target.period, target.value))
        windows = periods.sparkline_windows(ws_period)
        metrics = tuple(dict.fromkeys([*layouts.OVERVIEW_KPIS, *targets]))
        with workspace_scope(ws):
            values = selectors.kpis_for_period(
                workspace=ws, first_day=ws_period.first, last_day=ws_period.last, metrics=metrics
            )
            state = DashboardState(preset, ws_period, periods.default_grain(ws_period), compare=self.compare)
            compared = state.comparison_period
            previous = (
                selectors.kpis_for_period(
                    workspace=ws, first_day=compared.first, last_day=compared.last, metrics=metrics
                )
                if compared is not None
                else {}
            )
            points = [
                selectors.kpis_for_period(
                    workspace=ws, first_day=window.first, last_day=window.last, metrics=["leads"]
                )["leads"]
                for window in windows
            ]
        cards = build_cards(layouts.OVERVIEW_KPIS, values, previous, None, ws, state, targets, drill=False)
        target_cards = build_cards(list(targets), values, previous, None, ws, state, targets, drill=False)
        return OverviewRow(
            workspace=ws,
            values=values,
            cards=cards,
            health=worst_health(c.progress.health for c in target_cards if c.progress),
            sparkline=sparkline("leads", points, windows),
            targets_count=len(targets),
            target_cards=[c for c in target_cards if c.progress],
            period=ws_period,
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "workspaces":
            context = self.get_context_data(**kwargs)
            header = ["workspace", "agency", "currency", "from", "to", *layouts.OVERVIEW_KPIS, "health"]
            return csv_response(
                f"workspaces_{context['period'].first}_{context['period'].last}.csv",
                header,
                (
                    [
                        r.workspace.slug,
                        r.workspace.agency.name,
                        r.workspace.currency,
                        context["period"].first,
                        context["period"].last,
                        *(raw(r.values.get(n)) for n in layouts.OVERVIEW_KPIS),
                        r.health,
                    ]
                    for r in context["rows"]
                ),
            )
        return super().get(request, *args, **kwargs)
