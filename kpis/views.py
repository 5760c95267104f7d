"""Dashboard pages: the agency overview, the workspace dashboard, campaign, ABM,
attribution, targets, drill-down record lists and the printable report.

Every number comes from `kpis.selectors`, the same reads the KPI API serves;
these views only choose the period and scope, and shape the answer. Each
table exports as CSV with `?export=<table>`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.formatting import number_locale
from accounts.models import Workspace
from accounts.roles import Can
from accounts.tenancy import workspace_scope
from accounts.views import HomeView
from campaigns.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    Lead,
    SpendEntry,
    Touchpoint,
    TouchpointKind,
)
from kpis import presentation as p
from kpis import selectors
from kpis.formulas import ATTRIBUTION_MODELS
from kpis.models import AccountDay, AccountFacts
from kpis.targets import Target, TargetPeriodKind, target_delete, target_list, target_set, targets_for_period

PAGE_SIZE = 50
DASHBOARD_METRICS = tuple(dict.fromkeys([*p.HEADLINE, *(n for names in p.PANELS.values() for n in names)]))
ABM_METRICS = (
    "target_accounts",
    "engaged_target_accounts",
    "account_engagement_rate",
    "mqas",
    "target_accounts_won",
    "target_account_conversion_rate",
    "abm_velocity_days",
    "non_target_velocity_days",
)
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "position_based": "Position-based",
    "time_decay": "Time decay",
}


def local_today(workspace: Workspace) -> date:
    return timezone.now().astimezone(workspace.tz).date()


# ---------------------------------------------------------------- the state in the URL


@dataclass
class DashboardState:
    """Range, grain and campaign / channel filter, read from and written to the query string."""

    preset: str
    period: p.Period
    grain: str
    campaign: Campaign | None = None
    channel: str | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_request(cls, request, workspace: Workspace) -> DashboardState:
        preset, period, grain, errors = p.parse_range(request.GET, local_today(workspace))
        state = cls(preset, period, grain, errors=errors)
        campaign_id = request.GET.get("campaign") or ""
        channel = request.GET.get("channel") or ""
        if campaign_id:
            with workspace_scope(workspace):
                state.campaign = Campaign.objects.filter(external_id=campaign_id).first()
            if state.campaign is None:
                state.errors.append("No such campaign in this workspace: showing every campaign.")
        elif channel:
            if channel in Channel.values:
                state.channel = channel
            else:
                state.errors.append(f"Unknown channel “{channel}”: showing every channel.")
        return state

    @property
    def narrowed(self) -> bool:
        return self.campaign is not None or self.channel is not None

    @property
    def scope(self) -> dict:
        return {"campaign": self.campaign, "channel": self.channel}

    def params(self, **overrides) -> dict[str, str]:
        params = {"range": self.preset}
        if self.preset == "custom":
            params.update({"from": self.period.first.isoformat(), "to": self.period.last.isoformat()})
        params["grain"] = self.grain
        if self.campaign is not None:
            params["campaign"] = self.campaign.external_id
        elif self.channel:
            params["channel"] = self.channel
        params.update({k: v for k, v in overrides.items() if v is not None})
        return {k: v for k, v in params.items() if v != ""}

    def query(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    @property
    def unscoped_query(self) -> str:
        """The same range and grain over every campaign (the filter's "clear" link)."""
        return self.query(campaign="", channel="")

    def range_query(self) -> str:
        """The period only, as dates (for the API and record lists)."""
        params = {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        if self.campaign is not None:
            params["campaign"] = self.campaign.external_id
        elif self.channel:
            params["channel"] = self.channel
        return urlencode(params)

    @property
    def scope_label(self) -> str:
        if self.campaign is not None:
            return f"Campaign: {self.campaign.name}"
        if self.channel:
            return f"Channel: {p.channel_label(self.channel)}"
        return "All campaigns"


class DashboardStateMixin:
    """Reads the state once; puts it, the pickers' choices and the currency in the context."""

    def dispatch_state(self):
        self.state = DashboardState.from_request(self.request, self.workspace)
        return self.state

    def state_context(self, *, campaigns=True) -> dict:
        state = self.state
        context = {
            "state": state,
            "period": state.period,
            "previous_period": state.period.previous(),
            "last_year_period": state.period.last_year(),
            "presets": p.PRESETS,
            "grains": p.GRAINS,
            "channels": list(p.CHANNEL_LABELS.items()),
            "currency": self.workspace.currency,
            "kpis_as_of": selectors.kpis_as_of(self.workspace),
        }
        if campaigns:
            with workspace_scope(self.workspace):
                context["campaign_choices"] = list(
                    Campaign.objects.order_by("name").values_list("external_id", "name", "channel")
                )
        return context


# ---------------------------------------------------------------- CSV


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return response


def raw(value) -> str:
    """A KPI as the API writes it: money with 2 decimals, null as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def query_without(request, *names: str) -> str:
    """The current query string without `names`, ready for another parameter to be appended."""
    params = request.GET.copy()
    for name in (*names, "export"):
        params.pop(name, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def export_name(workspace: Workspace, what: str, period: p.Period | None = None) -> str:
    suffix = f"_{period.first.isoformat()}_{period.last.isoformat()}" if period else ""
    return f"{workspace.slug}_{slugify(what)}{suffix}.csv"


# ---------------------------------------------------------------- cards


@dataclass
class Card:
    name: str
    info: p.KpiInfo
    value: object
    text: str
    vs_previous: p.Change
    vs_last_year: p.Change | None
    progress: p.Progress | None
    components: list[tuple[str, str]]
    drill_url: str | None = None
    null_reason: str = ""
    currency: str = "USD"

    @property
    def target_text(self) -> str:
        progress = self.progress
        if progress is None:
            return ""
        target = p.format_kpi(self.name, progress.target_for_range, self.currency)
        if progress.target_total is not None:
            total = p.format_kpi(self.name, progress.target_total, self.currency)
            if total == target:
                return f"Target {target}"
            return f"Target {target} for this range, of {total} for the target period"
        return f"Target {'≥' if self.info.higher_is_better else '≤'} {target}"

    @property
    def pace_text(self) -> str:
        progress = self.progress
        if progress is None or progress.attainment is None:
            return ""
        if progress.target_total is not None:
            text = f"{p.format_percent(progress.attainment)} of the pace"
        elif self.value is None or progress.target_for_range in (None, 0):
            text = ""
        else:
            # Levels and ceilings: how far the actual is from the target, in its own terms.
            gap = float((Decimal(str(self.value)) - progress.target_for_range) / abs(progress.target_for_range))
            if (gap <= 0) if not self.info.higher_is_better else (gap >= 0):
                text = "target met"
            else:
                text = f"{p.format_percent(abs(gap))} {'over' if gap > 0 else 'under'} target"
        return " · ".join([text, *progress.notes]) if text else "; ".join(progress.notes)


DRILL_DOWNS = {
    "spend": ("kpis-records-spend", {}),
    "impressions": ("kpis-records-spend", {}),  # the spend entries they are summed from
    "clicks": ("kpis-records-spend", {}),
    "leads": ("kpis-records-leads", {"stage": "created"}),
    "mqls": ("kpis-records-leads", {"stage": "mql"}),
    "sqls": ("kpis-records-leads", {"stage": "sql"}),
    "sqos": ("kpis-records-leads", {"stage": "sqo"}),
    "deals_created": ("kpis-records-deals", {"status": "created"}),
    "deals_won": ("kpis-records-deals", {"status": "won"}),
    "deals_lost": ("kpis-records-deals", {"status": "lost"}),
    "open_deals": ("kpis-records-deals", {"status": "open"}),
    "new_customers": ("kpis-records-customers", {}),
    "target_accounts": ("kpis-abm", {"show": "all"}),
    "engaged_target_accounts": ("kpis-abm", {"show": "engaged"}),
    "mqas": ("kpis-abm", {"show": "mqa"}),
    "emails_sent": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.EMAIL_SENT}),
    "email_bounces": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.EMAIL_BOUNCE}),
    "page_views": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.PAGE_VIEW}),
    "content_downloads": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.CONTENT_DOWNLOAD}),
    "social_engagements": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.SOCIAL_ENGAGEMENT}),
}


def drill_url(name: str, workspace: Workspace, state: DashboardState) -> str | None:
    if name not in DRILL_DOWNS:
        return None
    route, extra = DRILL_DOWNS[name]
    query = state.range_query()
    if extra:
        query += "&" + urlencode(extra)
    return f"{reverse(route, args=[workspace.slug])}?{query}"


def null_reason(name: str, values: dict, narrowed: bool) -> str:
    info = p.KPIS[name]
    if values.get(name) is not None:
        return ""
    if info.workspace_wide and narrowed:
        return "Workspace-wide: not defined for one campaign or channel."
    zero = [c for c in info.components if values.get(c) in (0, Decimal(0))]
    if zero:
        return f"Not defined: {p.KPIS[zero[-1]].label.lower()} is 0 in this period."
    return "Not defined for this period (a ratio whose denominator is 0)."


def build_cards(
    names,
    values: dict,
    previous: dict,
    last_year: dict | None,
    workspace: Workspace,
    state: DashboardState,
    targets: dict,
    *,
    drill: bool = True,
) -> list[Card]:
    currency = workspace.currency
    cards = []
    for name in names:
        info = p.KPIS[name]
        value = values.get(name)
        cards.append(
            Card(
                name=name,
                info=info,
                value=value,
                text=p.format_kpi(name, value, currency),
                vs_previous=p.change(name, value, previous.get(name), currency),
                vs_last_year=p.change(name, value, last_year.get(name), currency) if last_year is not None else None,
                progress=p.progress_against(name, value, state.period, targets.get(name, [])),
                components=[(p.KPIS[c].label, p.format_kpi(c, values.get(c), currency)) for c in info.components],
                drill_url=drill_url(name, workspace, state) if drill else None,
                null_reason=null_reason(name, values, state.narrowed),
                currency=currency,
            )
        )
    return cards


def has_data(workspace: Workspace) -> bool:
    with workspace_scope(workspace):
        return any(model.objects.exists() for model in (Campaign, Lead, Deal, Account, Touchpoint))


# ---------------------------------------------------------------- agency overview


@dataclass
class OverviewRow:
    workspace: Workspace
    values: dict
    cards: list[Card]
    health: p.Health
    sparkline: str
    sparkline_label: str
    targets_count: int
    target_cards: list[Card] = field(default_factory=list)
    period: p.Period | None = None  # the client's own (its local date)
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
        preset, period, _grain, errors = p.parse_range(self.request.GET, timezone.now().date())
        # Each client's range ends on its own local date ("last 7 days" in its time zone).
        periods = {ws.pk: p.parse_range(self.request.GET, local_today(ws))[1] for ws in workspaces}
        query = urlencode(
            {"range": preset, **({"from": period.first, "to": period.last} if preset == "custom" else {})}
        )
        sort = self.request.GET.get("sort") or "name"
        if sort not in OVERVIEW_SORTS:
            sort = "name"
        # One query for every workspace's targets, then each workspace's figures inside its own scope.
        all_targets: dict[int, list[Target]] = {}
        if workspaces:
            for target in Target.objects.unscoped().filter(
                workspace__in=[w.pk for w in workspaces],
                starts_on__lte=max(r.last for r in periods.values()),
                ends_on__gte=min(r.first for r in periods.values()),
            ):
                all_targets.setdefault(target.workspace_id, []).append(target)
        rows = []
        for ws in workspaces:
            with number_locale(ws.number_locale):  # each client's figures in its own number format
                row = self.overview_row(ws, periods[ws.pk], preset, all_targets.get(ws.pk, []))
                row.html = render_to_string(
                    "kpis/_ws_card.html",
                    {"row": row, "query": query, "period": period, "health_labels": p.HEALTH_LABELS},
                    request=self.request,
                )
            rows.append(row)
        rows.sort(key=lambda row: row.sort_key(sort))
        context.update(
            rows=rows,
            period=period,
            preset=preset,
            presets=p.PRESETS,
            range_errors=errors,
            sort=sort,
            sorts=OVERVIEW_SORTS,
            health_labels=p.HEALTH_LABELS,
            query=query,
        )
        return context

    def overview_row(self, ws: Workspace, ws_period: p.Period, preset: str, ws_targets: list[Target]) -> OverviewRow:
        """One client's card: its figures for its own period, targets and health, sparkline of leads."""
        targets: dict[str, list] = {}
        for target in ws_targets:
            if target.starts_on <= ws_period.last and target.ends_on >= ws_period.first:
                targets.setdefault(target.kpi, []).append(p.TargetPeriodValue(target.period, target.value))
        windows = p.sparkline_windows(ws_period)
        metrics = tuple(dict.fromkeys([*p.OVERVIEW_KPIS, *targets]))
        with workspace_scope(ws):
            values = selectors.kpis_for_period(ws, ws_period.first, ws_period.last, metrics=metrics)
            previous_period = ws_period.previous()
            previous = selectors.kpis_for_period(ws, previous_period.first, previous_period.last, metrics=metrics)
            points = [
                selectors.kpis_for_period(ws, window.first, window.last, metrics=["leads"])["leads"]
                for window in windows
            ]
        state = DashboardState(preset, ws_period, p.default_grain(ws_period))
        cards = build_cards(p.OVERVIEW_KPIS, values, previous, None, ws, state, targets, drill=False)
        target_cards = build_cards(list(targets), values, previous, None, ws, state, targets, drill=False)
        return OverviewRow(
            workspace=ws,
            values=values,
            cards=cards,
            health=p.worst_health(c.progress.health for c in target_cards if c.progress),
            sparkline=p.sparkline_points(points) if any(points) else "",
            sparkline_label=(
                f"Leads per {'day' if windows[0].days == 1 else f'{windows[0].days} days'}"
                f" from {windows[0].first:%-d %b} to {windows[-1].last:%-d %b}: " + ", ".join(str(v) for v in points)
            ),
            targets_count=len(targets),
            target_cards=[c for c in target_cards if c.progress],
            period=ws_period,
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "workspaces":
            context = self.get_context_data(**kwargs)
            header = ["workspace", "agency", "currency", "from", "to", *p.OVERVIEW_KPIS, "health"]
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
                        *(raw(r.values.get(n)) for n in p.OVERVIEW_KPIS),
                        r.health,
                    ]
                    for r in context["rows"]
                ),
            )
        return super().get(request, *args, **kwargs)


# ---------------------------------------------------------------- workspace dashboard


class WorkspaceDashboardView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """/w/<slug>/: KPI cards, targets and pacing, charts, for the range and scope in the URL."""

    template_name = "kpis/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        if request.GET.get("export") == "kpis":
            return self.export_kpis()
        if request.GET.get("export") == "target-progress":
            return self.export_target_progress()
        return super().get(request, *args, **kwargs)

    def figures(self, metrics=DASHBOARD_METRICS, *, last_year_metrics=p.HEADLINE):
        ws, state = self.workspace, self.state
        previous, last_year = state.period.previous(), state.period.last_year()
        values = selectors.kpis_for_period(ws, state.period.first, state.period.last, metrics=metrics, **state.scope)
        prev = selectors.kpis_for_period(ws, previous.first, previous.last, metrics=metrics, **state.scope)
        year = selectors.kpis_for_period(ws, last_year.first, last_year.last, metrics=last_year_metrics, **state.scope)
        return values, prev, year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        context["has_data"] = has_data(self.workspace)
        if not context["has_data"]:
            return context
        values, previous, last_year = self.figures()
        targets = targets_for_period(workspace=self.workspace, period=self.state.period)
        context["cards"] = build_cards(p.HEADLINE, values, previous, last_year, self.workspace, self.state, targets)
        context["panels"] = [
            (title, build_cards(names, values, previous, None, self.workspace, self.state, targets))
            for title, names in p.PANELS.items()
        ]
        context["target_cards"] = self.target_cards(values, previous, targets)
        context["health"] = p.worst_health(c.progress.health for c in context["target_cards"])
        context["health_label"] = p.HEALTH_LABELS[context["health"]]
        context["api_url"] = f"/api/v1/kpis/?{self.state.range_query()}"
        return context

    def target_cards(self, values: dict, previous: dict, targets: dict) -> list[Card]:
        cards = build_cards(list(targets), values, previous, None, self.workspace, self.state, targets)
        return [c for c in cards if c.progress]

    def export_target_progress(self) -> HttpResponse:
        ws, state = self.workspace, self.state
        targets = targets_for_period(workspace=ws, period=state.period)
        values = selectors.kpis_for_period(
            ws, state.period.first, state.period.last, metrics=list(targets), **state.scope
        )
        cards = self.target_cards(values, {}, targets)
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
        values = selectors.kpis_for_period(ws, state.period.first, state.period.last, **state.scope)
        previous = state.period.previous()
        prev = selectors.kpis_for_period(ws, previous.first, previous.last, **state.scope)
        rows = []
        for name, value in values.items():
            info = p.KPIS.get(name)
            ch = p.change(name, value, prev.get(name), ws.currency) if info else None
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["has_data"]:
            return context
        ws, state = self.workspace, self.state
        values = selectors.kpis_for_period(ws, state.period.first, state.period.last, **state.scope)
        previous = state.period.previous()
        prev = selectors.kpis_for_period(ws, previous.first, previous.last, **state.scope)
        groups: dict[str, list[Card]] = {}
        for card in build_cards(list(p.KPIS), values, prev, None, ws, state, {}, drill=False):
            groups.setdefault(card.info.group, []).append(card)
        context["groups"] = groups
        context["generated_at"] = timezone.now()
        return context


# ---------------------------------------------------------------- campaigns


class CampaignListView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/campaign_list.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        if request.GET.get("export") == "campaigns":
            with workspace_scope(self.workspace):
                rows = [
                    [c.external_id, c.name, c.channel, c.is_abm, c.starts_on, c.ends_on, raw(c.budget)]
                    for c in self.campaigns()
                ]
            return csv_response(
                export_name(self.workspace, "campaigns"),
                ["external_id", "name", "channel", "is_abm", "starts_on", "ends_on", "budget"],
                rows,
            )
        return super().get(request, *args, **kwargs)

    def campaigns(self):
        queryset = Campaign.objects.order_by("name")
        channel = self.request.GET.get("channel")
        if channel in Channel.values:
            queryset = queryset.filter(channel=channel)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        page = Paginator(self.campaigns(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            rows=[(c, p.format_money(c.budget, self.workspace.currency), p.channel_label(c.channel)) for c in page],
            page_query=query_without(self.request, "page"),
            channel=self.request.GET.get("channel", ""),
        )
        return context


class CampaignDetailView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/campaign.html"
    CARD_METRICS = (
        "spend",
        "leads",
        "cpl",
        "mqls",
        "sqos",
        "cost_per_sqo",
        "deals_won",
        "won_revenue",
        "roi",
        "open_deals",
    )
    DETAIL_METRICS = (
        "impressions",
        "clicks",
        "cpc",
        "ad_ctr",
        "mql_rate",
        "sqo_rate",
        "win_rate",
        "avg_deal_size",
        "emails_sent",
        "open_rate",
        "email_ctr",
        "sessions",
        "social_engagements",
    )

    def get(self, request, *args, **kwargs):
        self.campaign = Campaign.objects.filter(external_id=kwargs["campaign_external_id"]).first()
        if self.campaign is None:
            raise Http404("No such campaign.")
        self.dispatch_state()
        self.state.campaign, self.state.channel = self.campaign, None
        export = request.GET.get("export")
        if export in ("spend", "leads", "deals"):
            return self.export(export)
        return super().get(request, *args, **kwargs)

    def spend_entries(self):
        return SpendEntry.objects.filter(campaign=self.campaign).order_by("-date")

    def leads(self):
        return (
            Lead.objects.filter(source_campaign=self.campaign)
            .select_related("account")
            .order_by("-created_at", "external_id")
        )

    def deals(self):
        return (
            Deal.objects.filter(source_campaign=self.campaign)
            .select_related("account")
            .order_by("-created_at", "external_id")
        )

    def export(self, what: str):
        name = export_name(self.workspace, f"{self.campaign.external_id}-{what}")
        if what == "spend":
            return csv_response(
                name,
                ["campaign", "date", "cost", "impressions", "clicks"],
                (
                    [self.campaign.external_id, s.date, raw(s.cost), s.impressions, s.clicks]
                    for s in self.spend_entries().iterator()
                ),
            )
        if what == "leads":
            return csv_response(name, LEAD_HEADER, (lead_row(lead) for lead in self.leads().iterator(chunk_size=2000)))
        return csv_response(name, DEAL_HEADER, (deal_row(d) for d in self.deals().iterator(chunk_size=2000)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        ws, state = self.workspace, self.state
        metrics = (*self.CARD_METRICS, *self.DETAIL_METRICS)
        values = selectors.kpis_for_period(
            ws, state.period.first, state.period.last, campaign=self.campaign, metrics=metrics
        )
        previous = state.period.previous()
        prev = selectors.kpis_for_period(ws, previous.first, previous.last, campaign=self.campaign, metrics=metrics)
        context["campaign"] = self.campaign
        context["channel_label"] = p.channel_label(self.campaign.channel)
        context["cards"] = build_cards(self.CARD_METRICS, values, prev, None, ws, state, {})
        context["details"] = build_cards(self.DETAIL_METRICS, values, prev, None, ws, state, {})
        get = self.request.GET.get
        context["spend_page"] = Paginator(self.spend_entries(), PAGE_SIZE).get_page(get("spend_page"))
        context["leads_page"] = Paginator(self.leads(), PAGE_SIZE).get_page(get("leads_page"))
        context["deals_page"] = Paginator(self.deals(), PAGE_SIZE).get_page(get("deals_page"))
        context["spend_query"] = query_without(self.request, "spend_page")
        context["leads_query"] = query_without(self.request, "leads_page")
        context["deals_query"] = query_without(self.request, "deals_page")
        currency = ws.currency
        context["spend_rows"] = [(s, p.format_money(s.cost, currency)) for s in context["spend_page"]]
        context["deal_rows"] = [(d, p.format_money(d.amount, currency)) for d in context["deals_page"]]
        budget = self.campaign.budget
        context["budget_text"] = p.format_money(budget, currency) if budget is not None else ""
        context["budget_used"] = float(values["spend"] / budget) if budget else None
        context["budget_used_text"] = p.format_percent(context["budget_used"])
        return context


# ---------------------------------------------------------------- drill-down record lists

LEAD_HEADER = ["external_id", "email", "account", "source_campaign", "created_at", "mql_at", "sql_at", "sqo_at"]
DEAL_HEADER = [
    "external_id",
    "name",
    "account",
    "source_campaign",
    "status",
    "amount",
    "mrr",
    "created_at",
    "closed_at",
    "churned_at",
]


def lead_row(lead: Lead) -> list:
    return [
        lead.external_id,
        lead.email,
        lead.account.external_id if lead.account_id else "",
        lead.source_campaign.external_id if lead.source_campaign_id else "",
        lead.created_at.isoformat(),
        lead.mql_at.isoformat() if lead.mql_at else "",
        lead.sql_at.isoformat() if lead.sql_at else "",
        lead.sqo_at.isoformat() if lead.sqo_at else "",
    ]


def deal_row(deal: Deal) -> list:
    return [
        deal.external_id,
        deal.name,
        deal.account.external_id,
        deal.source_campaign.external_id if deal.source_campaign_id else "",
        deal.status,
        raw(deal.amount),
        raw(deal.mrr),
        deal.created_at.isoformat(),
        deal.closed_at.isoformat() if deal.closed_at else "",
        deal.churned_at.isoformat() if deal.churned_at else "",
    ]


class RecordListView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """The records behind a count on a card: the same period, scope and definition as the KPI."""

    template_name = "kpis/records.html"
    kind = ""
    choices: dict[str, str] = {}
    choice_param = ""

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        self.choice = request.GET.get(self.choice_param) or next(iter(self.choices), "")
        if self.choices and self.choice not in self.choices:
            raise Http404("No such list.")
        if request.GET.get("export") == self.kind:
            return self.export()
        return super().get(request, *args, **kwargs)

    def scope_q(self, field: str) -> Q:
        if self.state.campaign is not None:
            return Q(**{field: self.state.campaign})
        if self.state.channel:
            return Q(**{f"{field}__channel": self.state.channel})
        return Q()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        queryset = self.records()
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            rows=[(obj, p.format_money(self.money(obj), self.workspace.currency)) for obj in page],
            hidden=[(self.choice_param, self.choice)] if self.choice_param else [],
            kind=self.kind,
            choice=self.choice,
            choices=self.choices,
            choice_param=self.choice_param,
            title=self.title(),
            page=page,
            export_query=f"{query_without(self.request, 'page')}export={self.kind}",
            page_query=query_without(self.request, "page"),
        )
        return context


class LeadRecordsView(RecordListView):
    kind = "leads"
    choice_param = "stage"
    choices = {"created": "Leads created", "mql": "Became MQL", "sql": "Became SQL", "sqo": "Became SQO"}

    def title(self) -> str:
        return self.choices[self.choice]

    def money(self, lead):
        return None

    def records(self):
        day_field = {"created": "created_on", "mql": "mql_on", "sql": "sql_on", "sqo": "sqo_on"}[self.choice]
        period = self.state.period
        return (
            Lead.objects.filter(self.scope_q("source_campaign"), **{f"{day_field}__range": (period.first, period.last)})
            .select_related("account", "source_campaign")
            .order_by(f"-{day_field}", "external_id")
        )

    def export(self):
        return csv_response(
            export_name(self.workspace, f"leads-{self.choice}", self.state.period),
            LEAD_HEADER,
            (lead_row(lead) for lead in self.records().iterator(chunk_size=2000)),
        )


class DealRecordsView(RecordListView):
    kind = "deals"
    choice_param = "status"
    choices = {
        "created": "Deals created",
        "won": "Deals won",
        "lost": "Deals lost",
        "open": "Open deals at the end of the period",
    }

    def title(self) -> str:
        return self.choices[self.choice]

    def money(self, deal):
        return deal.amount

    def records(self):
        period = self.state.period
        queryset = Deal.objects.filter(self.scope_q("source_campaign"))
        if self.choice == "created":
            queryset = queryset.filter(created_on__range=(period.first, period.last))
        elif self.choice in ("won", "lost"):
            queryset = queryset.filter(status=self.choice, closed_on__range=(period.first, period.last))
        else:
            end = selectors.end_of_day(self.workspace, period.last)
            queryset = queryset.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__lt=end)
        return queryset.select_related("account", "source_campaign").order_by("-created_at", "external_id")

    def export(self):
        return csv_response(
            export_name(self.workspace, f"deals-{self.choice}", self.state.period),
            DEAL_HEADER,
            (deal_row(d) for d in self.records().iterator(chunk_size=2000)),
        )


class SpendRecordsView(RecordListView):
    kind = "spend"

    def title(self) -> str:
        return "Spend entries"

    def money(self, entry):
        return entry.cost

    def records(self):
        period = self.state.period
        return (
            SpendEntry.objects.filter(self.scope_q("campaign"), date__range=(period.first, period.last))
            .select_related("campaign")
            .order_by("-date", "campaign__name")
        )

    def export(self):
        return csv_response(
            export_name(self.workspace, "spend", self.state.period),
            ["campaign", "date", "cost", "impressions", "clicks"],
            (
                [s.campaign.external_id, s.date, raw(s.cost), s.impressions, s.clicks]
                for s in self.records().iterator(chunk_size=2000)
            ),
        )


class TouchpointRecordsView(RecordListView):
    kind = "touchpoints"
    choice_param = "touchpoint"
    choices = {
        TouchpointKind.EMAIL_SENT: "Emails sent",
        TouchpointKind.EMAIL_BOUNCE: "Email bounces",
        TouchpointKind.PAGE_VIEW: "Page views",
        TouchpointKind.CONTENT_DOWNLOAD: "Content downloads",
        TouchpointKind.SOCIAL_ENGAGEMENT: "Social engagements",
    }

    def title(self) -> str:
        return self.choices[self.choice]

    def money(self, touchpoint):
        return None

    def records(self):
        period = self.state.period
        return (
            Touchpoint.objects.filter(
                self.scope_q("campaign"), kind=self.choice, occurred_on__range=(period.first, period.last)
            )
            .select_related("campaign", "lead", "account")
            .order_by("-occurred_at", "id")
        )

    def export(self):
        return csv_response(
            export_name(self.workspace, self.choice, self.state.period),
            ["occurred_at", "kind", "campaign", "lead", "account", "visitor_id", "session_id", "url"],
            (
                [t.occurred_at.isoformat(), t.kind, _external_id(t.campaign), _external_id(t.lead),
                 _external_id(t.account), t.visitor_id, t.session_id, t.url]
                for t in self.records().iterator(chunk_size=2000)
            ),
        )  # fmt: skip


class CustomerRecordsView(RecordListView):
    """New customers: accounts whose first won deal closed in the period (narrowed by that deal's campaign)."""

    kind = "customers"

    def title(self) -> str:
        return "New customers"

    def money(self, facts):
        return facts.first_won_deal.amount

    def records(self):
        period = self.state.period
        return (
            AccountFacts.objects.filter(
                self.scope_q("first_won_campaign"), first_won_on__range=(period.first, period.last)
            )
            .select_related("account", "first_won_deal", "first_won_campaign")
            .order_by("-first_won_at", "account__external_id")
        )

    def export(self):
        return csv_response(
            export_name(self.workspace, "new-customers", self.state.period),
            ["account", "name", "first_won_deal", "first_won_at", "amount", "campaign"],
            (
                [f.account.external_id, f.account.name, f.first_won_deal.external_id, f.first_won_at.isoformat(),
                 raw(f.first_won_deal.amount), _external_id(f.first_won_campaign)]
                for f in self.records().iterator(chunk_size=2000)
            ),
        )  # fmt: skip


def _fraction(fraction: float | None) -> float | str:
    return "" if fraction is None else round(fraction, 6)


def _external_id(obj) -> str:
    return obj.external_id if obj is not None else ""


# ---------------------------------------------------------------- ABM


def score_trend_days(period: p.Period, points: int = 6) -> list[date]:
    """Evenly spaced days of the period (its last day included) at which the score trend is read."""
    count = min(points, period.days)
    if count == 1:
        return [period.last]
    step = (period.days - 1) / (count - 1)
    return [date.fromordinal(period.first.toordinal() + round(i * step)) for i in range(count)]


ABM_SHOWS = {
    "all": "Every target account",
    "engaged": "Engaged in the period",
    "mqa": "MQAs at the end of the period",
}


class AbmView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/abm.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        # ABM KPIs are workspace-wide (KPI_SPEC.md): a campaign or channel filter does not apply.
        self.state.campaign, self.state.channel = None, None
        self.show = request.GET.get("show") or "all"
        if self.show not in ABM_SHOWS:
            raise Http404("No such list.")
        if request.GET.get("export") == "accounts":
            rows = self.account_rows()
            return csv_response(
                export_name(self.workspace, "target-accounts", self.state.period),
                ["account", "name", "domain", "score", "is_mqa", "score_change", "last_engagement"],
                (
                    [
                        r["external_id"],
                        r["name"],
                        r["domain"],
                        round(r["score"], 4),
                        r["is_mqa"],
                        round(r["score_change"], 4),
                        r["last_engagement"].isoformat() if r["last_engagement"] else "",
                    ]
                    for r in rows
                ),
            )
        return super().get(request, *args, **kwargs)

    def account_rows(self) -> list[dict]:
        ws, period = self.workspace, self.state.period
        scores = {row["account"]: row for row in selectors.account_scores(ws, period.last)}
        trend_days = score_trend_days(period)
        trends = [selectors.engagement_scores(ws, day) for day in trend_days]
        with workspace_scope(ws):
            target_accounts = Account.objects.filter(is_target=True)
            if self.show == "engaged":  # ≥ 1 engagement touchpoint in the period (the rollup has only those)
                engaged = AccountDay.objects.filter(day__range=(period.first, period.last), touches__gt=0)
                target_accounts = target_accounts.filter(id__in=engaged.values("account_id"))
            accounts = list(target_accounts.order_by("name").values("id", "external_id", "name", "domain"))
            # The last day with engagement, from the target-account days rollup (not a scan of every touchpoint).
            last_touch = dict(
                AccountDay.objects.filter(day__lte=period.last)
                .values("account_id")
                .annotate(last=Max("day"))
                .values_list("account_id", "last")
            )
        if self.show == "mqa":
            accounts = [a for a in accounts if scores.get(a["external_id"], {}).get("is_mqa")]
        rows = []
        for account in accounts:
            score_row = scores.get(account["external_id"], {"score": 0.0, "is_mqa": False})
            series = [t.get(account["id"], 0.0) for t in trends]
            rows.append(
                {
                    **account,
                    "score": score_row["score"],
                    "is_mqa": score_row["is_mqa"],
                    "series": series,
                    "sparkline": p.sparkline_points(series, width=90, height=24),
                    "score_change": series[-1] - series[0] if series else 0.0,
                    "last_engagement": last_touch.get(account["id"]),
                }
            )
        rows.sort(key=lambda r: (-r["score"], r["name"]))
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        ws, state = self.workspace, self.state
        values = selectors.kpis_for_period(ws, state.period.first, state.period.last, metrics=ABM_METRICS)
        previous = state.period.previous()
        prev = selectors.kpis_for_period(ws, previous.first, previous.last, metrics=ABM_METRICS)
        targets = targets_for_period(workspace=ws, period=state.period)
        context["cards"] = build_cards(ABM_METRICS, values, prev, None, ws, state, targets)
        rows = self.account_rows()
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            accounts_count=len(rows),
            show=self.show,
            shows=ABM_SHOWS,
            show_query=query_without(self.request, "page", "show"),
            mqa_threshold=ws.mqa_threshold,
            trend_days=score_trend_days(state.period),
        )
        return context


# ---------------------------------------------------------------- attribution


class AttributionView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/attribution.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        self.state.campaign, self.state.channel = None, None
        self.model = request.GET.get("model") or "linear"
        if self.model not in ATTRIBUTION_MODELS:
            self.model = "linear"
        export = request.GET.get("export")
        if export in ("campaigns", "channels"):
            context = self.tables()
            rows = context["campaign_rows"] if export == "campaigns" else context["channel_rows"]
            header = ["campaign" if export == "campaigns" else "channel", "name"]
            for model in ATTRIBUTION_MODELS:
                header += [f"{model}_revenue", f"{model}_deals"]
            return csv_response(
                export_name(self.workspace, f"attribution-{export}", self.state.period),
                header,
                (
                    [
                        r["key"],
                        r["name"],
                        *(x for m in ATTRIBUTION_MODELS for x in (raw(r["revenue"][m]), round(r["deals"][m], 6))),
                    ]
                    for r in rows
                ),
            )
        if export == "reconciliation":
            return self.reconciliation_export()
        return super().get(request, *args, **kwargs)

    def reconciliation_export(self) -> HttpResponse:
        tables = self.tables()
        period = self.state.period
        won = selectors.kpis_for_period(self.workspace, period.first, period.last, metrics=["won_revenue", "deals_won"])
        return csv_response(
            export_name(self.workspace, "attribution-reconciliation", period),
            ["model", "attributed_revenue", "won_revenue", "difference", "deal_credit", "deals_won"],
            (
                [m, raw(tables["totals"][m]), raw(won["won_revenue"]), raw(tables["totals"][m] - won["won_revenue"]),
                 round(tables["deal_totals"][m], 6), won["deals_won"]]
                for m in ATTRIBUTION_MODELS
            ),
        )  # fmt: skip

    def tables(self) -> dict:
        ws, period = self.workspace, self.state.period
        by_model = {m: selectors.attribution_for_period(ws, period.first, period.last, m) for m in ATTRIBUTION_MODELS}
        with workspace_scope(ws):
            campaigns = {c.external_id: c for c in Campaign.objects.all().only("external_id", "name", "channel")}
        campaign_rows: dict[str, dict] = {}
        channel_rows: dict[str, dict] = {}
        zero = {m: Decimal(0) for m in ATTRIBUTION_MODELS}
        for model, rows in by_model.items():
            for row in rows:
                key = row["campaign"]
                campaign = campaigns.get(key)
                entry = campaign_rows.setdefault(
                    key,
                    {
                        "key": key,
                        "name": campaign.name if campaign else "Unattributed",
                        "channel": campaign.channel if campaign else "",
                        "revenue": dict(zero),
                        "deals": dict.fromkeys(ATTRIBUTION_MODELS, 0.0),
                    },
                )
                entry["revenue"][model] += row["revenue"]
                entry["deals"][model] += row["deals"]
                channel = campaign.channel if campaign else "unattributed"
                channel_entry = channel_rows.setdefault(
                    channel,
                    {
                        "key": channel,
                        "name": p.channel_label(channel) if campaign else "Unattributed",
                        "revenue": dict(zero),
                        "deals": dict.fromkeys(ATTRIBUTION_MODELS, 0.0),
                    },
                )
                channel_entry["revenue"][model] += row["revenue"]
                channel_entry["deals"][model] += row["deals"]
        order = lambda r: (-r["revenue"][self.model], r["key"] == "unattributed", r["name"])  # noqa: E731
        totals = {m: sum((r["revenue"] for r in by_model[m]), Decimal(0)) for m in ATTRIBUTION_MODELS}
        deal_totals = {m: sum(r["deals"] for r in by_model[m]) for m in ATTRIBUTION_MODELS}
        return {
            "campaign_rows": sorted(campaign_rows.values(), key=order),
            "channel_rows": sorted(channel_rows.values(), key=order),
            "totals": totals,
            "deal_totals": deal_totals,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        tables = self.tables()
        ws, period = self.workspace, self.state.period
        won = selectors.kpis_for_period(ws, period.first, period.last, metrics=["won_revenue", "deals_won"])
        currency = ws.currency

        def cells(revenue: dict, deals: dict) -> list[tuple[str, str]]:
            return [(p.format_money(revenue[m], currency), f"{deals[m]:.2f}") for m in ATTRIBUTION_MODELS]

        for row in (*tables["campaign_rows"], *tables["channel_rows"]):
            row["cells"] = cells(row["revenue"], row["deals"])
        # Attributed revenue is rounded per campaign: a few cents may separate the sum from the total.
        differences = {m: tables["totals"][m] - won["won_revenue"] for m in ATTRIBUTION_MODELS}
        context.update(tables)
        context.update(
            model=self.model,
            model_label=MODEL_LABELS[self.model],
            model_hidden=[("model", self.model)],
            models=MODEL_LABELS,
            won_revenue=won["won_revenue"],
            won_revenue_text=p.format_money(won["won_revenue"], currency),
            deals_won=won["deals_won"],
            total_cells=cells(tables["totals"], tables["deal_totals"]),
            model_total_text=p.format_money(tables["totals"][self.model], currency),
            model_difference_zero=differences[self.model] == 0,
            model_difference_text=p.format_money(abs(differences[self.model]), currency),
            reconciliation_rows=[
                {
                    "label": MODEL_LABELS[m],
                    "total": p.format_money(tables["totals"][m], currency),
                    "difference": p.format_money(differences[m], currency),
                    "deals": f"{tables['deal_totals'][m]:.2f} of {won['deals_won']}",
                }
                for m in ATTRIBUTION_MODELS
            ],
        )
        return context


# ---------------------------------------------------------------- targets


class TargetForm(forms.Form):
    kpi = forms.ChoiceField(label="KPI", choices=[(n, p.KPIS[n].label) for n in p.TARGETABLE])
    period_kind = forms.ChoiceField(label="Period", choices=TargetPeriodKind.choices, initial=TargetPeriodKind.MONTH)
    starts_on = forms.DateField(
        label="Starting",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any day of the month, quarter or year: the target covers the whole of it.",
    )
    value = forms.DecimalField(label="Target", max_digits=16, decimal_places=4)

    def clean(self):
        cleaned = super().clean()
        kpi, value = cleaned.get("kpi"), cleaned.get("value")
        if kpi is None or value is None:
            return cleaned
        info = p.KPIS[kpi]
        if info.kind == p.Kind.RATE:
            if kpi == "roi":
                if value < -100:
                    self.add_error("value", "An ROI cannot be below −100 %.")
            elif not 0 <= value <= 100:
                self.add_error("value", "A rate target is a percentage between 0 and 100.")
            cleaned["value"] = value / 100
        elif value < 0:
            self.add_error("value", "A target cannot be negative.")
        elif info.kind == p.Kind.COUNT and value != value.to_integral_value():
            self.add_error("value", "A count target is a whole number.")
        return cleaned


class TargetsView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """Editors set a target per KPI and period; everyone with access sees progress."""

    template_name = "kpis/targets.html"
    read_capability = Can.VIEW
    write_capability = Can.EDIT_DATA

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        if request.GET.get("export") == "targets":
            targets = target_list(workspace=self.workspace)
            return csv_response(
                export_name(self.workspace, "targets"),
                ["kpi", "period_kind", "starts_on", "ends_on", "value"],
                ([t.kpi, t.period_kind, t.starts_on, t.ends_on, t.value] for t in targets),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        targets = target_list(workspace=self.workspace)
        ws = self.workspace
        today = local_today(ws)
        # Progress of each started target over its own period, to date (one read per distinct period);
        # targets that ended more than a year ago are listed without figures.
        current = [t for t in targets if t.starts_on <= today and (today - t.ends_on).days <= 366]
        by_period: dict[tuple[date, date], dict] = {}
        for target in current:
            key = (target.starts_on, min(target.ends_on, today))
            by_period.setdefault(key, {}).setdefault(target.kpi, []).append(target)
        progress = {}
        for (first, last), kpis in by_period.items():
            values = selectors.kpis_for_period(ws, first, last, metrics=list(kpis))
            for kpi, ts in kpis.items():
                for t in ts:
                    to_date = p.Period(first, last)
                    progress[t.pk] = (
                        p.format_kpi(kpi, values[kpi], ws.currency),
                        p.progress_against(kpi, values[kpi], to_date, [p.TargetPeriodValue(t.period, t.value)]),
                    )
        rows = []
        for t in targets:
            actual, target_progress = progress.get(t.pk, (None, None))
            rows.append(
                {
                    "target": t,
                    "value_text": p.format_kpi(t.kpi, t.value, ws.currency),
                    "actual": actual,
                    "progress": target_progress,
                    "progress_text": p.format_percent(target_progress.progress) if target_progress else "",
                    "is_future": t.starts_on > today,
                }
            )
        context.update(rows=rows, today=today)
        context.setdefault("form", TargetForm(initial={"starts_on": today.replace(day=1), "period_kind": "month"}))
        return context

    def post(self, request, *args, **kwargs):
        self.dispatch_state()
        form = TargetForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        target = target_set(workspace=self.workspace, **form.cleaned_data)
        messages.success(request, f"Target saved: {target.get_kpi_display()} for {target.period_label}.")
        return redirect("kpis-targets", workspace_slug=self.workspace.slug)


class TargetDeleteView(WorkspaceViewMixin, View):
    write_capability = Can.EDIT_DATA
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, target_id: int):
        if not target_delete(workspace=self.workspace, target_id=target_id):
            raise Http404("No such target.")
        messages.success(request, "Target deleted.")
        return redirect("kpis-targets", workspace_slug=self.workspace.slug)
