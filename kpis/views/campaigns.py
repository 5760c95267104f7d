"""The campaign list and a campaign's page with its spend entries, leads and deals."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.tenancy import workspace_scope
from campaigns.models import Channel
from kpis import display, records, selectors
from kpis.views.cards import CardBuilder
from kpis.views.exports import csv_response, export_name, raw
from kpis.views.records import DEAL_HEADER, LEAD_HEADER, deal_row, lead_row
from kpis.views.state import PAGE_SIZE, DashboardStateMixin, query_without


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
        channel = self.request.GET.get("channel")
        return records.campaigns_by_name(channel=channel if channel in Channel.values else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        page = Paginator(self.campaigns(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            rows=[
                (c, display.format_money(c.budget, self.workspace.currency), display.channel_label(c.channel))
                for c in page
            ],
            page_query=query_without(self.request, "page"),
            channel=self.request.GET.get("channel", ""),
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
        previous = state.period.previous()
        prev = selectors.kpis_for_period(
            workspace=ws, first_day=previous.first, last_day=previous.last, campaign=self.campaign, metrics=metrics
        )
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
