"""Attribution: won revenue credited to campaigns and channels by the five models, and reconciled."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.tenancy import workspace_scope
from kpis import display, records, selectors
from kpis.formulas import ATTRIBUTION_MODELS
from kpis.views.exports import csv_response, export_name, raw
from kpis.views.state import DashboardStateMixin

MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "position_based": "Position-based",
    "time_decay": "Time decay",
}


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
        won = selectors.kpis_for_period(
            workspace=self.workspace, first_day=period.first, last_day=period.last, metrics=["won_revenue", "deals_won"]
        )
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
        by_model = {
            m: selectors.attribution_for_period(
                workspace=ws, first_day=period.first, last_day=period.last, model=m, reconciled=True
            )
            for m in ATTRIBUTION_MODELS
        }
        with workspace_scope(ws):
            campaigns = records.campaigns_by_external_id()
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
                        "name": display.channel_label(channel) if campaign else "Unattributed",
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
        won = selectors.kpis_for_period(
            workspace=ws, first_day=period.first, last_day=period.last, metrics=["won_revenue", "deals_won"]
        )
        currency = ws.currency

        def cells(revenue: dict, deals: dict) -> list[tuple[str, str]]:
            return [
                (display.format_table_value(revenue[m], "money", currency), display.format_fraction(deals[m]))
                for m in ATTRIBUTION_MODELS
            ]

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
            won_revenue_text=display.format_money(won["won_revenue"], currency),
            deals_won=won["deals_won"],
            total_cells=cells(tables["totals"], tables["deal_totals"]),
            model_total_text=display.format_money(tables["totals"][self.model], currency),
            model_difference_zero=differences[self.model] == 0,
            model_difference_text=display.format_money(abs(differences[self.model]), currency),
            reconciliation_rows=[
                {
                    "label": MODEL_LABELS[m],
                    "total": display.format_money(tables["totals"][m], currency),
                    "difference": display.format_money(differences[m], currency),
                    "deals": f"{display.format_fraction(tables['deal_totals'][m])} of {won['deals_won']}",
                }
                for m in ATTRIBUTION_MODELS
            ],
        )
        return context
