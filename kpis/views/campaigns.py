"""The campaign list and a campaign's page with its spend entries, leads and deals."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from campaigns.models import Channel
from kpis import campaign_table, display, records, selectors
from kpis.formulas import ATTRIBUTION_MODELS
from kpis.views.attribution import MODEL_LABELS
from kpis.views.cards import CardBuilder
from kpis.views.exports import csv_response, export_name, raw
from kpis.views.records import DEAL_HEADER, LEAD_HEADER, deal_row, lead_row
from kpis.views.state import PAGE_SIZE, DashboardStateMixin, query_without


class CampaignListView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """Every campaign with its KPIs over the chosen range: sortable, totalled, paginated, exported raw."""

    template_name = "kpis/campaign_list.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        self.state.campaign = None  # the table lists campaigns: only a channel narrows it
        self.model = request.GET.get("model") or "linear"
        if self.model not in ATTRIBUTION_MODELS:
            self.model = "linear"
        self.sort_key, self.descending = campaign_table.parse_sort(request.GET.get("sort"))
        if request.GET.get("export") == "campaigns":
            return self.export()
        return super().get(request, *args, **kwargs)

    def table(self) -> campaign_table.CampaignTable:
        table = campaign_table.campaign_table(
            workspace=self.workspace, period=self.state.period, channel=self.state.channel, model=self.model
        )
        table.rows = campaign_table.sorted_rows(table.rows, self.sort_key, self.descending)
        return table

    def export(self):
        table = self.table()
        header = ["external_id", "name", "channel", "is_abm", "starts_on", "ends_on", "budget"]
        header += [key for key, _, _ in campaign_table.COLUMNS]
        return csv_response(
            export_name(self.workspace, "campaigns", self.state.period),
            header,
            (
                [c.external_id, c.name, c.channel, c.is_abm, c.starts_on or "", c.ends_on or "", raw(c.budget)]
                + [raw(row.figures.value(key)) for key, _, _ in campaign_table.COLUMNS]
                for row in table.rows
                for c in (row.campaign,)
            ),
        )

    def query(self, **overrides: str) -> str:
        params = self.request.GET.copy()
        for name in ("page", "export", "campaign", *overrides):
            params.pop(name, None)
        for name, value in overrides.items():
            if value:
                params[name] = value
        return params.urlencode()

    def sort_links(self) -> dict[str, dict]:
        links = {}
        for key in campaign_table.SORTS:
            active = key == self.sort_key
            # The current column flips; another starts with its natural direction (biggest first, A→Z, earliest).
            descending = not self.descending if active else key not in ("name", "channel", "starts_on", "ends_on")
            target = f"-{key}" if descending else key
            links[key] = {"url": f"?{self.query(sort=target)}", "active": active, "descending": self.descending}
        return links

    def cells(self, figures: campaign_table.CampaignFigures) -> list[dict]:
        currency = self.workspace.currency
        return [
            {
                "text": display.format_table_value(figures.value(key), kind, currency),
                "exact": display.format_value(figures.value(key), kind, currency),
            }
            for key, _, kind in campaign_table.COLUMNS
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        table = self.table()
        page = Paginator(table.rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        currency = self.workspace.currency
        links = self.sort_links()
        context.update(
            page=page,
            rows=[
                {
                    "campaign": row.campaign,
                    "channel_label": display.channel_label(row.campaign.channel),
                    "budget": display.format_table_value(row.campaign.budget, "money", currency),
                    "cells": self.cells(row.figures),
                }
                for row in page
            ],
            total_cells=self.cells(table.totals),
            campaign_count=len(table.rows),
            sort=links,
            columns=[(key, label, links[key]) for key, label, _ in campaign_table.COLUMNS],
            page_query=f"{self.query()}&" if self.query() else "",
            export_query=self.query(export="campaigns"),
            channel_query=self.query(channel=""),
            channel_tabs=[(value, label, self.query(channel=value)) for value, label in Channel.choices],
            channel=self.state.channel or "",
            model=self.model,
            model_label=MODEL_LABELS[self.model],
            model_tabs=[(key, label, self.query(model=key)) for key, label in MODEL_LABELS.items()],
            picker_hidden=[
                (name, value)
                for name, value in (
                    ("channel", self.state.channel),
                    ("model", self.model),
                    ("sort", self.request.GET.get("sort")),
                )
                if value
            ],
        )
        return context


class CampaignDetailView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/campaign.html"
    drill = True  # whether cards link to their records (a share link's page never does)
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
        self.campaign = records.campaign_by_external_id(external_id=kwargs["campaign_external_id"])
        if self.campaign is None:
            raise Http404("No such campaign.")
        self.dispatch_state()
        self.state.campaign, self.state.channel = self.campaign, None
        export = request.GET.get("export")
        if export in ("spend", "leads", "deals"):
            return self.export(export)
        return super().get(request, *args, **kwargs)

    def spend_entries(self):
        return records.campaign_spend(campaign=self.campaign)

    def leads(self):
        return records.campaign_leads(campaign=self.campaign)

    def deals(self):
        return records.campaign_deals(campaign=self.campaign)

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
            workspace=ws,
            first_day=state.period.first,
            last_day=state.period.last,
            campaign=self.campaign,
            metrics=metrics,
        )
        prev = self.comparison_values(metrics, campaign=self.campaign)
        context["campaign"] = self.campaign
        context["channel_label"] = display.channel_label(self.campaign.channel)
        builder = CardBuilder(values, prev, ws, state, {}, drill=self.drill)
        context["cards"] = builder.cards(self.CARD_METRICS)
        context["details"] = builder.cards(self.DETAIL_METRICS)
        get = self.request.GET.get
        context["spend_page"] = Paginator(self.spend_entries(), PAGE_SIZE).get_page(get("spend_page"))
        context["leads_page"] = Paginator(self.leads(), PAGE_SIZE).get_page(get("leads_page"))
        context["deals_page"] = Paginator(self.deals(), PAGE_SIZE).get_page(get("deals_page"))
        context["spend_query"] = query_without(self.request, "spend_page")
        context["leads_query"] = query_without(self.request, "leads_page")
        context["deals_query"] = query_without(self.request, "deals_page")
        currency = ws.currency
        context["spend_rows"] = [(s, display.format_money(s.cost, currency)) for s in context["spend_page"]]
        context["deal_rows"] = [(d, display.format_money(d.amount, currency)) for d in context["deals_page"]]
        budget = self.campaign.budget
        context["budget_text"] = display.format_money(budget, currency) if budget is not None else ""
        context["budget_used"] = float(values["spend"] / budget) if budget else None
        context["budget_used_text"] = display.format_percent(context["budget_used"])
        return context
