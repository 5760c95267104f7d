"""The ABM page: the workspace-wide ABM KPIs and the target accounts by engagement score."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from kpis import abm, display, periods, selectors
from kpis.abm import TargetAccounts
from kpis.targets import targets_for_period
from kpis.views import layouts
from kpis.views.cards import build_cards
from kpis.views.exports import csv_response, export_name
from kpis.views.state import PAGE_SIZE, DashboardStateMixin, query_without


def score_trend_days(period: periods.Period, points: int = 6) -> list[date]:
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
    """ABM KPIs and the target accounts by engagement score, sorted and paged in SQL (kpis.abm)."""

    template_name = "kpis/abm.html"
    page_size = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        # ABM KPIs are workspace-wide (docs/kpis.md): a campaign or channel filter does not apply.
        self.state.campaign, self.state.channel = None, None
        self.show = request.GET.get("show") or "all"
        if self.show not in ABM_SHOWS:
            raise Http404("No such list.")
        if request.GET.get("export") == "accounts":
            return self.export_accounts()
        return super().get(request, *args, **kwargs)

    def target_accounts(self) -> TargetAccounts:
        period = self.state.period
        return TargetAccounts(self.workspace, period.first, period.last, self.show)

    def with_trends(self, rows: list[dict], trend_days: list[date]) -> list[dict]:
        """The rows with their score at each trend day and last engagement, read for these accounts only."""
        ws, period = self.workspace, self.state.period
        ids = [row["id"] for row in rows]
        # The last trend day is the period's last: each row already has that score.
        trends = [abm.scores_at(ws, day, ids) for day in trend_days[:-1]]
        last_touch = abm.last_engagement(ws, period.last, ids)
        for row in rows:
            series = [*(t.get(row["id"], 0.0) for t in trends), row["score"]]
            row.update(
                series=series,
                sparkline=display.sparkline_points(series, width=90, height=24),
                score_change=series[-1] - series[0],
                last_engagement=last_touch.get(row["id"]),
            )
        return rows

    def export_accounts(self) -> HttpResponse:
        trend_days = score_trend_days(self.state.period)
        ends = sorted({trend_days[0], trend_days[-1]})  # the score change needs only the trend's two ends
        rows = (row for chunk in self.target_accounts().chunks() for row in self.with_trends(chunk, ends))
        return csv_response(
            export_name(self.workspace, "target-accounts", self.state.period),
            ["account", "name", "domain", "score", "is_mqa", "score_change", "last_engagement"],
            (
                [r["external_id"], r["name"], r["domain"], round(r["score"], 4), r["is_mqa"],
                 round(r["score_change"], 4), r["last_engagement"].isoformat() if r["last_engagement"] else ""]
                for r in rows
            ),
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        ws, state = self.workspace, self.state
        values = selectors.kpis_for_period(
            workspace=ws, first_day=state.period.first, last_day=state.period.last, metrics=layouts.ABM_KPIS
        )
        prev = self.comparison_values(layouts.ABM_KPIS)
        targets = targets_for_period(workspace=ws, period=state.period)
        context["cards"] = build_cards(layouts.ABM_KPIS, values, prev, None, ws, state, targets)
        trend_days = score_trend_days(state.period)
        page = Paginator(self.target_accounts(), self.page_size).get_page(self.request.GET.get("page"))
        self.with_trends(page.object_list, trend_days)
        context.update(
            page=page,
            accounts_count=page.paginator.count,
            show=self.show,
            shows=ABM_SHOWS,
            show_query=query_without(self.request, "page", "show"),
            page_query=query_without(self.request, "page"),
            mqa_threshold=ws.mqa_threshold,
            trend_days=trend_days,
        )
        return context
