"""Chart data for the dashboard pages, as JSON for Chart.js 4.

Built on django-chartjs's `BaseLineChartView` (the Python side only: its
bundled static files are never installed). Its answer is Chart.js's
`{labels, datasets}`; the `view` key it adds is dropped, and each dataset also
says its chart type, axis and unit so static/js/charts.js can format ticks and
build the data table behind the chart. `?format=csv` gives the same numbers
as CSV.

A time series' labels are its periods written in the workspace's locale ("2. Dez.",
"w/c 2 Dec", "Dec 2026"), ready for the axis and the table as they are; `periods`
has their first days as ISO dates, which the CSV writes.

Every value comes from `kpis.selectors`: a time series is the KPI over each
day / week / month clipped to the range, exactly as /api/v1/kpis/timeseries/.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chartjs.views.lines import BaseLineChartView

from accounts.access import WorkspaceViewMixin
from accounts.branding import Brand, brand_for_workspace
from accounts.tenancy import workspace_scope
from kpis import annotations, display, forecasts, periods, records, selectors
from kpis.catalog import KPIS, Kind, Reads
from kpis.formulas import ATTRIBUTION_MODELS
from kpis.selectors import kpis_for_periods
from kpis.views.attribution import MODEL_LABELS
from kpis.views.exports import csv_response, export_name
from kpis.views.state import DashboardState

PALETTE = ["#3b5bdb", "#f08c00", "#2b8a3e", "#c2255c", "#1098ad", "#7048e8", "#868e96"]
UNITS = {
    Kind.MONEY: "money",
    Kind.MONEY_PER_DAY: "money",
    Kind.COUNT: "count",
    Kind.RATE: "rate",
    Kind.DAYS: "days",
    Kind.RATIO: "number",
    Kind.SCORE: "number",
}


@dataclass
class Series:
    label: str
    values: list
    unit: str = "count"
    type: str = "bar"
    axis: str = "y"
    # Why a null of this series is no value (a gap, "—" in the table) rather than 0; None: never null.
    gap_note: str | None = None


def number(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def undefined_without_data(name: str) -> bool:
    """Whether the KPI `name` has no value (rather than 0) in a period without its data.

    From the catalogue: a sum (additive over days, or a Σ such as MRR) or a count with no rows is a real 0; a ratio (CPL, a
    rate), an average (days) or a level read from a report (SEO) is undefined without its data.
    """
    info = KPIS[name]
    if Reads.SEO in info.reads:
        return True
    return not (info.additive or info.kind == Kind.COUNT or info.formula.startswith("Σ"))


def gap_note(name: str) -> str:
    """Why the KPI `name` has no value in some periods, for the "—" of the data table."""
    info = KPIS[name]
    _, divided, denominator = info.formula.rpartition(" ÷ ")
    if divided and info.formula.count(" ÷ ") == 1 and "×" not in info.formula and len(denominator) <= 40:
        return f"{info.label} is {info.formula}: no value in a period with 0 {denominator.removeprefix('# ')} (a gap in the chart, not 0)."
    return f"{info.label} ({info.formula}) has no value without its data (a gap in the chart, not 0)."


def kpi_series(name: str, values: list, *, type: str = "bar", axis: str = "y", label: str | None = None) -> Series:
    """A KPI's values per period, a period without data as the catalogue says: 0 or a gap (null, "—")."""
    info = KPIS[name]
    if undefined_without_data(name):
        return Series(label or info.label, [number(v) for v in values], UNITS[info.kind], type, axis, gap_note(name))
    return Series(label or info.label, [number(v) or 0 for v in values], UNITS[info.kind], type, axis)


def brand_palette(brand: Brand) -> list[str]:
    """The series colours: a white-labelled agency's primary and accent colours lead."""
    return [brand.primary_colour or PALETTE[0], brand.accent_colour or PALETTE[1], *PALETTE[2:]]


class ChartView(WorkspaceViewMixin, BaseLineChartView):
    """A chart of one workspace for the range and scope in the query string."""

    title = ""
    description = ""
    # Whether the campaign / channel filter applies (attribution and ABM are workspace-wide).
    scoped = True
    # A time series' periods as ISO dates (set by `timeseries`); other charts' labels are names.
    periods: list[str] | None = None
    # The series (by KPI) continued by a forecast when the range reaches today (README, Forecasts).
    forecast_metrics: tuple[str, ...] = ()

    def get(self, request, *args, **kwargs):
        self.state = self.read_state(request)
        if not self.scoped:
            self.state.campaign, self.state.channel = None, None
        self.labels, self.series = self.build()
        if request.GET.get("format") == "csv":
            return csv_response(
                export_name(self.workspace, self.title, self.state.period),
                ["label", *(s.label for s in self.series)],
                ([label, *(s.values[i] for s in self.series)] for i, label in enumerate(self.periods or self.labels)),
            )
        return super().get(request, *args, **kwargs)

    def read_state(self, request) -> DashboardState:
        """The range and scope of the chart: the query string's (a share link fixes its own)."""
        return DashboardState.from_request(request, self.workspace)

    def build(self) -> tuple[list, list[Series]]:
        raise NotImplementedError

    # django-chartjs hooks
    def get_labels(self):
        return self.labels

    def get_providers(self):
        return [s.label for s in self.series]

    def get_data(self):
        return [s.values for s in self.series]

    def get_dataset_options(self, index, color):
        series = self.series[index]
        palette = brand_palette(brand_for_workspace(self.workspace))
        colour = palette[index % len(palette)]
        options = {
            "type": series.type,
            "yAxisID": series.axis,
            "unit": series.unit,
            "borderColor": colour,
            "backgroundColor": colour + ("33" if series.type == "line" else "cc"),
            "pointBackgroundColor": colour,
        }
        if series.gap_note and None in series.values:
            options["gap_note"] = series.gap_note
        if series.type == "line":
            # Straight segments (a curve overshoots between points and invents values) and gaps left as
            # gaps: a null (an undefined ratio) is no data, not a value to draw a line through.
            options.update(tension=0, fill=False, spanGaps=False, borderWidth=2, pointRadius=2)
        return options

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Only Chart.js's data and what charts.js needs: no "view" repr, no workspace object.
        return {
            "labels": context["labels"],
            "datasets": context["datasets"],
            "title": self.title,
            "description": self.description,
            "currency": self.workspace.currency,
            "locale": self.workspace.number_locale.replace("_", "-"),  # a BCP 47 tag, for Intl.NumberFormat
            "grain": getattr(self, "grain", None),
            "periods": self.periods,
            "from": self.state.period.first.isoformat(),
            "to": self.state.period.last.isoformat(),
            "range_label": display.format_period(
                self.state.period.first, self.state.period.last
            ),  # in the workspace's locale, for the data table's caption
            "errors": self.state.errors,  # what was wrong with the query, as a page would say it
            "annotations": self.annotations(),
            **({"forecast": forecast} if (forecast := self.forecast()) else {}),
        }

    def forecast(self) -> dict | None:
        """The forecast continuation of `forecast_metrics`' series to the end of the current month.

        Only on a time series whose range holds today, for the whole workspace (the forecasts read the
        workspace's daily rollups). The periods are the chart's, the last one (and those after it up to the
        month's end) taken whole: `labels` are the periods added after the range. Each dataset has a value,
        low and high per period of the extended chart, null before today's period except the last actual
        value, where the dashed line starts.
        """
        period, today = self.state.period, forecasts.local_today(self.workspace)
        metrics = [m for m in self.forecast_metrics if m in forecasts.FORECAST_KPIS]
        if not metrics or not self.periods or self.state.narrowed or not period.first <= today <= period.last:
            return None
        extended = selectors.period_starts(period.first, max(period.last, periods.month_end(today)), self.grain)
        actuals = {s.label: s.values for s in self.series}
        palette = brand_palette(brand_for_workspace(self.workspace))
        datasets = []
        for metric in metrics:
            model, values = forecasts.period_forecasts(
                workspace=self.workspace, kpi=metric, today=today, periods=[(f, last) for _, f, last in extended]
            )
            if not any(values):
                continue
            data, low, high = ([v[i] if v else None for v in values] for i in range(3))
            start = next(i for i, v in enumerate(values) if v)
            actual = actuals.get(KPIS[metric].label, [])
            if start > 0 and start - 1 < len(actual) and actual[start - 1] is not None:
                data[start - 1] = low[start - 1] = high[start - 1] = actual[start - 1]
            index = next((i for i, s in enumerate(self.series) if s.label == KPIS[metric].label), 0)
            series = self.series[index] if self.series else None
            datasets.append(
                {
                    "label": f"{KPIS[metric].label} forecast",
                    "kpi": metric,
                    "model": model,
                    "unit": UNITS[KPIS[metric].kind],
                    "yAxisID": series.axis if series else "y",
                    "colour": palette[index % len(palette)],
                    "data": data,
                    "low": low,
                    "high": high,
                }
            )
        if not datasets:
            return None
        extra = extended[len(self.periods) :]
        return {
            "labels": [display.format_period_start(start, self.grain) for start, _, _ in extra],
            "periods": [start.isoformat() for start, _, _ in extra],
            "interval": forecasts.forecasting.LEVEL,
            "datasets": datasets,
        }

    def annotations(self) -> list[dict]:
        """The workspace's notes overlapping the range that apply to the chart's scope.

        On a time series each says which periods (indexes of `labels`) it covers, clipped to the
        range, for the markers; every chart lists them under it.
        """
        first, last = self.state.period.first, self.state.period.last
        notes = annotations.for_chart(workspace=self.workspace, first=first, last=last, **self.state.scope)
        starts = self.periods or []

        def index(day) -> int:
            # The period containing `day`: the last one starting on or before it.
            iso = day.isoformat()
            return max((i for i, start in enumerate(starts) if start <= iso), default=0)

        answer = []
        for note in notes:
            item = {
                "id": note.pk,
                "starts_on": note.starts_on.isoformat(),
                "ends_on": note.ends_on.isoformat() if note.ends_on else None,
                "when": display.format_period(note.starts_on, note.last_day),
                "text": note.text,
                "applies_to": note.campaign.name if note.campaign else display.channel_label(note.channel),
            }
            if starts:
                item["from_index"] = index(max(note.starts_on, first))
                item["to_index"] = index(min(note.last_day, last))
            answer.append(item)
        return answer

    # shared reads
    def timeseries(self, metrics) -> tuple[list[str], dict[str, list]]:
        """Each metric per grain period, from the same selector and clipping as the timeseries API.

        Returns the periods' labels in the workspace's locale; their ISO first days go to `self.periods`.
        """
        self.grain = periods.chart_grain(self.state.period, self.state.grain)
        period = self.state.period
        starts = selectors.period_starts(period.first, period.last, self.grain)
        points = kpis_for_periods(
            workspace=self.workspace,
            periods=[(first, last) for _, first, last in starts],
            metrics=metrics,
            **self.state.scope,
        )
        self.periods = [start.isoformat() for start, _, _ in starts]
        labels = [display.format_period_start(start, self.grain) for start, _, _ in starts]
        return labels, {metric: [point[metric] for point in points] for metric in metrics}

    def totals(self, metrics, **scope) -> dict:
        period = self.state.period
        return selectors.kpis_for_period(
            workspace=self.workspace,
            first_day=period.first,
            last_day=period.last,
            metrics=metrics,
            **(scope or self.state.scope),
        )


class SpendLeadsChart(ChartView):
    title = "Spend and leads"
    description = "Spend (bars, left axis) and leads (line, right axis) per period."
    forecast_metrics = ("leads",)

    def build(self):
        labels, v = self.timeseries(["spend", "leads"])
        return labels, [kpi_series("spend", v["spend"]), kpi_series("leads", v["leads"], type="line", axis="y1")]


class CostTrendChart(ChartView):
    title = "CPL and CAC"
    description = "Cost per lead and customer acquisition cost per period; gaps where there were no leads or customers."

    def build(self):
        labels, v = self.timeseries(["cpl", "cac"])
        return labels, [kpi_series("cpl", v["cpl"], type="line"), kpi_series("cac", v["cac"], type="line")]


FUNNEL_STAGES = [
    ("Leads", None),
    ("MQL", "mql_rate"),
    ("SQL", "sql_rate"),
    ("SQO", "sqo_rate"),
    ("Won", "lead_to_customer_rate"),
]


class FunnelChart(ChartView):
    title = "Funnel"
    description = "Of the leads created in the period, how many reached each stage (at any time since)."

    def build(self):
        totals = self.totals(["leads", *(rate for _, rate in FUNNEL_STAGES if rate)])
        leads = totals["leads"]
        # The cohort rates are counts ÷ leads: multiplying back gives the cohort counts.
        counts = [leads] + [round((totals[rate] or 0) * leads) for _, rate in FUNNEL_STAGES[1:]]
        conversions = [None] + [(counts[i] / counts[i - 1]) if counts[i - 1] else None for i in range(1, len(counts))]
        self.conversions = conversions
        return [label for label, _ in FUNNEL_STAGES], [
            Series("Leads reaching the stage", counts, "count", "bar"),
            Series(
                "Conversion from the previous stage",
                conversions,
                "rate",
                "line",
                "y1",
                "Conversion is the stage's leads ÷ the previous stage's: none for Leads (the first stage) or "
                "after a stage no lead reached.",
            ),
        ]


class ChannelChart(ChartView):
    title = "Channels"
    description = "Spend and won revenue (bottom axis) and leads (top axis) per channel over the period."

    def build(self):
        with workspace_scope(self.workspace):
            used = records.channels_in_use()
        if self.state.channel:
            used = [self.state.channel]
        rows = [(channel, self.totals(["spend", "leads", "won_revenue"], channel=channel)) for channel in used]
        rows.sort(key=lambda row: (-row[1]["spend"], -row[1]["won_revenue"], row[0]))
        labels = [display.channel_label(channel) for channel, _ in rows]
        return labels, [
            kpi_series("spend", [r["spend"] for _, r in rows]),
            kpi_series("won_revenue", [r["won_revenue"] for _, r in rows]),
            kpi_series("leads", [r["leads"] for _, r in rows], axis="y1"),
        ]


class RecurringChart(ChartView):
    title = "MRR and churn"
    description = "MRR at the end of each period, new and churned MRR in it, and the customer churn rate."
    forecast_metrics = ("mrr",)

    def build(self):
        labels, v = self.timeseries(["mrr", "new_mrr", "churned_mrr", "customer_churn_rate"])
        return labels, [
            kpi_series("new_mrr", v["new_mrr"]),
            kpi_series("churned_mrr", v["churned_mrr"]),
            kpi_series("mrr", v["mrr"], type="line"),
            kpi_series("customer_churn_rate", v["customer_churn_rate"], type="line", axis="y1"),
        ]


class EmailChart(ChartView):
    title = "Email"
    description = "Emails sent per period, with open and click-through rates."

    def build(self):
        labels, v = self.timeseries(["emails_sent", "open_rate", "email_ctr"])
        return labels, [
            kpi_series("emails_sent", v["emails_sent"]),
            kpi_series("open_rate", v["open_rate"], type="line", axis="y1"),
            kpi_series("email_ctr", v["email_ctr"], type="line", axis="y1"),
        ]


class WebChart(ChartView):
    title = "Web"
    description = "Sessions, unique visitors and page views per period."

    def build(self):
        labels, v = self.timeseries(["sessions", "unique_visitors", "page_views"])
        return labels, [
            kpi_series("sessions", v["sessions"]),
            kpi_series("unique_visitors", v["unique_visitors"]),
            kpi_series("page_views", v["page_views"], type="line"),
        ]


class SocialChart(ChartView):
    title = "Social"
    description = "Social engagements per period and the engagement rate of social campaigns."

    def build(self):
        labels, v = self.timeseries(["social_engagements", "social_engagement_rate"])
        return labels, [
            kpi_series("social_engagements", v["social_engagements"]),
            kpi_series("social_engagement_rate", v["social_engagement_rate"], type="line", axis="y1"),
        ]


class AbmChart(ChartView):
    title = "MQAs and engagement"
    description = "MQAs at the end of each period and the share of target accounts engaged in it."
    scoped = False

    def build(self):
        labels, v = self.timeseries(["mqas", "account_engagement_rate"])
        return labels, [
            kpi_series("mqas", v["mqas"]),
            kpi_series("account_engagement_rate", v["account_engagement_rate"], type="line", axis="y1"),
        ]


class VelocityChart(ChartView):
    title = "Velocity"
    description = "Days from first touch to first won deal, target against non-target accounts won in the period."
    scoped = False

    def build(self):
        totals = self.totals(["abm_velocity_days", "non_target_velocity_days"])
        return ["Target accounts", "Non-target accounts"], [
            Series(
                "Days to first won deal",
                [totals["abm_velocity_days"], totals["non_target_velocity_days"]],
                "days",
                "bar",
            )
        ]


class AttributionChart(ChartView):
    title = "Attributed revenue"
    description = "Won revenue of the period credited to each campaign, by the five attribution models."
    scoped = False
    top = 12

    def build(self):
        period = self.state.period
        by_model = {
            m: {
                r["campaign"]: r["revenue"]
                for r in selectors.attribution_for_period(
                    workspace=self.workspace, first_day=period.first, last_day=period.last, model=m
                )
            }
            for m in ATTRIBUTION_MODELS
        }
        keys = sorted({k for rows in by_model.values() for k in rows}, key=lambda k: -by_model["linear"].get(k, 0))
        keys = keys[: self.top]
        with workspace_scope(self.workspace):
            names = records.campaign_names(external_ids=keys)
        labels = [names.get(k, "Unattributed" if k == selectors.UNATTRIBUTED else k) for k in keys]
        return labels, [
            Series(MODEL_LABELS[m], [number(by_model[m].get(k, Decimal(0))) for k in keys], "money", "bar")
            for m in ATTRIBUTION_MODELS
        ]


CHARTS = {
    "spend-leads": SpendLeadsChart,
    "cost-trend": CostTrendChart,
    "funnel": FunnelChart,
    "channels": ChannelChart,
    "recurring": RecurringChart,
    "email": EmailChart,
    "web": WebChart,
    "social": SocialChart,
    "abm": AbmChart,
    "velocity": VelocityChart,
    "attribution": AttributionChart,
}
