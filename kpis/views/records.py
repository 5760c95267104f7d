"""Drill-down record lists: the leads, deals, spend entries, touchpoints and customers behind a count."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from campaigns.models import Deal, Lead, TouchpointKind
from kpis import display, records
from kpis.views.exports import csv_response, export_name, raw
from kpis.views.state import PAGE_SIZE, DashboardStateMixin, query_without

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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        queryset = self.records()
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            rows=[(obj, display.format_money(self.money(obj), self.workspace.currency)) for obj in page],
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
        return records.leads_reaching(stage=self.choice, period=self.state.period, **self.state.scope)

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
        return records.deals_by_status(
            workspace=self.workspace, status=self.choice, period=self.state.period, **self.state.scope
        )

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
        return records.spend_entries_in(period=self.state.period, **self.state.scope)

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
        return records.touchpoints_of_kind(kind=self.choice, period=self.state.period, **self.state.scope)

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
        return records.new_customers_in(period=self.state.period, **self.state.scope)

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


def _external_id(obj) -> str:
    return obj.external_id if obj is not None else ""
