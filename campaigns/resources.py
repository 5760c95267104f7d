"""The kinds of marketing data, one entry each: what the API, the data pages, the CSV import and export know of it.

An entry gathers the parts of one resource: how it is validated and written
(its `services.Resource`: row spec, model, key, the dates a write touches),
its names (import label, page title, singular), its list query, its API
serializers and filters, and the column names a CSV file may give its fields.
The API routes and schema, the import form's choices, the data page's counts
and the export are built from `RESOURCES`, so adding a kind of data is its model
and row spec, its `services.Resource`, its serializers, and one entry here.

This module sits above services, selectors, serializers and filters (it
imports them; they never import it); the API, views, imports and exports read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import FilterSet
from rest_framework.serializers import Serializer

from accounts.models import Workspace
from campaigns import filters, intake, selectors, serializers, services
from campaigns.validation import FieldSpec, RowSpec


@dataclass(frozen=True)
class DataResource:
    """One kind of marketing data and every part of it the layers above need."""

    # How it is validated and written: row spec, model, key, the dates a write touches.
    write: services.Resource
    # Its name in the CSV import's "What the file holds" choice, and in the import's messages.
    label: str
    # Its rows' name on the data pages ("Spend entries").
    title: str
    # One of them, in the API's documentation ("spend entry"); also names the API detail route (api-spend-entry).
    singular: str
    # The upsert's key, as the API's documentation says it.
    key_help: str
    # The current workspace's rows, references joined (the API list, the data pages, the import's merge).
    list_query: Callable[[], QuerySet]
    input_serializer: type[Serializer]
    output_serializer: type[Serializer]
    # The API list's query-string filters.
    filterset: type[FilterSet]
    # Field → the column names (normalised: lower case, words split by spaces) a CSV file may give it.
    synonyms: Mapping[str, tuple[str, ...]]
    # The URL name of the data page listing its rows, if there is one.
    browse_url: str | None = None
    # Whether a delete may be refused (409) while other rows need the object (an account with deals).
    delete_refusable: bool = False

    @property
    def name(self) -> str:
        """The resource's name: its API path (/api/v1/<name>/) and the import's `resource` value."""
        return self.write.name

    @property
    def spec(self) -> RowSpec:
        """How an object is checked: the API's (and the CSV import's) validation."""
        return self.write.spec

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The fields an object has, as the API takes them (and a CSV's columns may fill)."""
        return self.write.spec.fields

    def upsert(
        self,
        *,
        workspace: Workspace,
        items: Sequence[Any],
        extras: Sequence[Mapping[str, Any]] | None = None,
        source: intake.Source | None = None,
    ) -> services.UpsertResult:
        return services.resource_upsert_batch(
            resource=self.write, workspace=workspace, items=items, extras=extras, source=source
        )


_EXTERNAL_ID = ("id", "external id", "record id", "key")
_CREATED = ("created", "created at", "created date", "create date", "date created", "created on", "creation date")

CAMPAIGNS = DataResource(
    write=services.CAMPAIGNS,
    label="Campaigns",
    title="Campaigns",
    singular="campaign",
    key_help="external_id",
    list_query=selectors.campaign_list,
    input_serializer=serializers.CampaignInputSerializer,
    output_serializer=serializers.CampaignSerializer,
    filterset=filters.CampaignFilter,
    synonyms={
        "external_id": (*_EXTERNAL_ID, "campaign id", "campaign key", "campaign external id"),
        "name": ("name", "campaign", "campaign name", "title"),
        "channel": ("channel", "medium", "campaign type", "type", "marketing channel"),
        "is_abm": ("abm", "is abm", "abm campaign"),
        "starts_on": ("start", "starts", "start date", "starts on", "begin date", "launch date"),
        "ends_on": ("end", "ends", "end date", "ends on", "finish date"),
        "budget": ("budget", "planned budget", "budgeted cost", "total budget"),
    },
    browse_url="data-campaigns",
)
SPEND = DataResource(
    write=services.SPEND,
    label="Spend",
    title="Spend entries",
    singular="spend entry",
    key_help="campaign + date",
    list_query=selectors.spend_list,
    input_serializer=serializers.SpendEntryInputSerializer,
    output_serializer=serializers.SpendEntrySerializer,
    filterset=filters.SpendFilter,
    synonyms={
        "campaign": ("campaign", "campaign id", "campaign external id", "campaign key"),
        "date": (
            "date",
            "day",
            "reporting date",
            "report date",
            "reporting starts",
            "gregorian date",
            "time period",
            "start date",
        ),
        "cost": ("cost", "spend", "amount spent", "spent", "amount", "cost usd", "total cost", "total spent"),
        "impressions": ("impressions", "impr", "imps", "views"),
        "clicks": ("clicks", "link clicks", "total clicks"),
    },
)
ACCOUNTS = DataResource(
    write=services.ACCOUNTS,
    label="Accounts",
    title="Accounts",
    singular="account",
    key_help="external_id",
    list_query=selectors.account_list,
    input_serializer=serializers.AccountInputSerializer,
    output_serializer=serializers.AccountSerializer,
    filterset=filters.AccountFilter,
    synonyms={
        "external_id": (*_EXTERNAL_ID, "account id", "company id", "organization id", "organisation id"),
        "name": ("name", "company", "company name", "account", "account name", "organization", "organisation"),
        "domain": ("domain", "company domain", "company domain name", "website", "website url", "web site"),
        "industry": ("industry", "sector", "vertical"),
        "employees": ("employees", "number of employees", "employee count", "headcount", "company size", "size"),
        "is_target": ("target", "is target", "target account", "abm target", "on target list", "tier 1"),
    },
    browse_url="data-accounts",
    delete_refusable=True,
)
LEADS = DataResource(
    write=services.LEADS,
    label="Leads",
    title="Leads",
    singular="lead",
    key_help="external_id",
    list_query=selectors.lead_list,
    input_serializer=serializers.LeadInputSerializer,
    output_serializer=serializers.LeadSerializer,
    filterset=filters.LeadFilter,
    synonyms={
        "external_id": (*_EXTERNAL_ID, "lead id", "contact id", "person id", "prospect id"),
        "email": ("email", "email address", "e mail", "work email", "business email"),
        "account": ("account", "account id", "company id", "organization id", "associated company id"),
        "source_campaign": (
            "original source drill down 2",
            "source campaign",
            "campaign",
            "campaign id",
            "original source campaign",
            "lead source campaign",
            "utm campaign",
            "first touch campaign",
        ),
        "created_at": _CREATED,
        "mql_at": (
            "mql",
            "mql at",
            "mql date",
            "became an mql date",
            "marketing qualified date",
            "mql on",
            "became a marketing qualified lead date",
        ),
        "sql_at": (
            "sql",
            "sql at",
            "sql date",
            "became an sql date",
            "sales qualified date",
            "sql on",
            "became a sales qualified lead date",
        ),
        "sqo_at": ("sqo", "sqo at", "sqo date", "opportunity date", "became an opportunity date", "sqo on"),
    },
    browse_url="data-leads",
)
DEALS = DataResource(
    write=services.DEALS,
    label="Deals",
    title="Deals",
    singular="deal",
    key_help="external_id",
    list_query=selectors.deal_list,
    input_serializer=serializers.DealInputSerializer,
    output_serializer=serializers.DealSerializer,
    filterset=filters.DealFilter,
    synonyms={
        "external_id": (*_EXTERNAL_ID, "deal id", "opportunity id", "opportunity key"),
        "account": ("account", "account id", "company id", "associated company id", "associated company ids"),
        "lead": ("lead", "lead id", "contact id", "primary contact id", "associated contact ids"),
        "source_campaign": ("source campaign", "campaign", "campaign id", "primary campaign source"),
        "name": ("name", "deal", "deal name", "opportunity", "opportunity name"),
        "amount": ("amount", "deal amount", "value", "deal value", "total", "total amount"),
        "mrr": ("mrr", "monthly recurring revenue", "recurring revenue", "monthly revenue"),
        "status": ("status", "deal status", "stage", "deal stage", "outcome"),
        "created_at": _CREATED,
        "closed_at": ("closed", "closed at", "close date", "closed date", "closed on", "date closed"),
        "churned_at": ("churned", "churned at", "churn date", "churned on", "cancellation date", "cancelled at"),
    },
    browse_url="data-deals",
)
TOUCHPOINTS = DataResource(
    write=services.TOUCHPOINTS,
    label="Touchpoints",
    title="Touchpoints",
    singular="touchpoint",
    key_help="external_id, when given; without one a touchpoint is appended",
    list_query=selectors.touchpoint_list,
    input_serializer=serializers.TouchpointInputSerializer,
    output_serializer=serializers.TouchpointSerializer,
    filterset=filters.TouchpointFilter,
    synonyms={
        "external_id": (*_EXTERNAL_ID, "event id", "touchpoint id", "activity id"),
        "kind": ("kind", "type", "event", "event type", "activity type", "activity"),
        "occurred_at": ("occurred at", "occurred", "timestamp", "time", "date", "event time", "activity date"),
        "campaign": ("campaign", "campaign id"),
        "lead": ("lead", "lead id", "contact id"),
        "account": ("account", "account id", "company id"),
        "visitor_id": ("visitor", "visitor id", "anonymous id", "cookie id", "client id"),
        "session_id": ("session", "session id"),
        "url": ("url", "page", "page url", "link", "landing page"),
    },
)


# The daily aggregate stats (KPI_SPEC): totals of tools that export no events; column names of their exports
# (an email tool's campaign report, GA4, a social network's page insights, an SEO tool).
_STAT_CAMPAIGN = ("campaign", "campaign id", "campaign external id", "campaign key")
_STAT_DATE = ("date", "day", "reporting date", "report date")

EMAIL_STATS = DataResource(
    write=services.EMAIL_STATS,
    label="Email stats (daily totals)",
    title="Email stats",
    singular="email stat",
    key_help="campaign + date",
    list_query=selectors.email_stat_list,
    input_serializer=serializers.EmailStatInputSerializer,
    output_serializer=serializers.EmailStatSerializer,
    filterset=filters.EmailStatFilter,
    synonyms={
        "campaign": _STAT_CAMPAIGN,
        "date": (*_STAT_DATE, "send date", "sent date", "sent on"),
        "sent": ("sent", "emails sent", "total recipients", "recipients", "sends", "emails"),
        "bounces": ("bounces", "total bounces", "bounced", "hard bounces", "emails bounced"),
        "unique_opens": ("unique opens", "unique open", "opens", "unique opened", "opened"),
        "unique_clicks": ("unique clicks", "unique click", "clicks", "unique clicked", "clicked"),
        "unsubscribes": ("unsubscribes", "unsubscribed", "unsubs", "opt outs", "unsubscribe"),
        "spam": ("spam", "spam complaints", "abuse reports", "abuse complaints", "spam reports", "complaints"),
    },
)
WEB_STATS = DataResource(
    write=services.WEB_STATS,
    label="Web stats (daily totals)",
    title="Web stats",
    singular="web stat",
    key_help="date + campaign (optional: no campaign is a key value of its own)",
    list_query=selectors.web_stat_list,
    input_serializer=serializers.WebStatInputSerializer,
    output_serializer=serializers.WebStatSerializer,
    filterset=filters.WebStatFilter,
    # Not GA4's "engaged sessions": bounced sessions are sessions − engaged sessions, a column of their own.
    synonyms={
        "campaign": (*_STAT_CAMPAIGN, "session campaign", "session campaign id", "utm campaign"),
        "date": _STAT_DATE,
        "sessions": ("sessions", "visits", "total sessions"),
        "bounced_sessions": ("bounced sessions", "bounces", "single page sessions", "bounced visits"),
        "page_views": ("page views", "pageviews", "views", "screen page views", "screenpageviews", "pages viewed"),
        "users": ("users", "total users", "totalusers", "active users", "activeusers", "visitors"),
        "new_users": ("new users", "newusers", "first time users", "new visitors"),
        "content_downloads": ("content downloads", "downloads", "file downloads", "file download"),
    },
)
SOCIAL_STATS = DataResource(
    write=services.SOCIAL_STATS,
    label="Social stats (daily totals)",
    title="Social stats",
    singular="social stat",
    key_help="campaign + date",
    list_query=selectors.social_stat_list,
    input_serializer=serializers.SocialStatInputSerializer,
    output_serializer=serializers.SocialStatSerializer,
    filterset=filters.SocialStatFilter,
    synonyms={
        "campaign": _STAT_CAMPAIGN,
        "date": _STAT_DATE,
        "engagements": ("engagements", "engagement", "total engagements", "post engagements", "interactions"),
    },
)
SEO_STATS = DataResource(
    write=services.SEO_STATS,
    label="SEO stats (daily levels)",
    title="SEO stats",
    singular="SEO stat",
    key_help="date",
    list_query=selectors.seo_stat_list,
    input_serializer=serializers.SeoStatInputSerializer,
    output_serializer=serializers.SeoStatSerializer,
    filterset=filters.SeoStatFilter,
    synonyms={
        "date": _STAT_DATE,
        "backlinks": ("backlinks", "total backlinks", "external backlinks", "backlink count", "links"),
        "referring_domains": ("referring domains", "ref domains", "refdomains", "linking domains", "domains"),
    },
)

# Every resource by name, in the order the import form offers them.
RESOURCES: dict[str, DataResource] = {
    r.name: r
    for r in (CAMPAIGNS, SPEND, ACCOUNTS, LEADS, DEALS, TOUCHPOINTS, EMAIL_STATS, WEB_STATS, SOCIAL_STATS, SEO_STATS)
}


def label_of(name: str) -> str:
    """A resource's label; an unknown name (a job of a resource since removed) as is."""
    resource = RESOURCES.get(name)
    return name if resource is None else resource.label
