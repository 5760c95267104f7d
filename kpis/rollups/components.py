"""The additive daily components, per campaign and summed per workspace day."""

from __future__ import annotations

from django.db import connection

from campaigns.models import (
    Channel,
    DealStatus,
    TouchpointKind,
)
from kpis.models import (
    COMPONENT_FIELDS,
)
from kpis.queries import quoted, same_workspace
from kpis.rollups.tables import COMPONENTS, WORKSPACE_DAYS, Span, T, count_if

# ---------------------------------------------------------------- additive components


# Components counted on the social channels' campaigns only, and the component they are a share of.
SOCIAL_SHARES = {"social_channel_engagements": "social_engagements", "social_channel_impressions": "impressions"}


def _component_sources(span: Span) -> list[tuple[str, str, str, dict[str, str]]]:
    """(FROM … WHERE, day expression, campaign expression, {component: aggregate}) per source."""
    won, lost = f"status = '{DealStatus.WON}'", f"status = '{DealStatus.LOST}'"
    kinds = {
        "emails_sent": TouchpointKind.EMAIL_SENT,
        "email_bounces": TouchpointKind.EMAIL_BOUNCE,
        "email_spam": TouchpointKind.EMAIL_SPAM,
        "email_unsubscribes": TouchpointKind.EMAIL_UNSUBSCRIBE,
        "page_views": TouchpointKind.PAGE_VIEW,
        "content_downloads": TouchpointKind.CONTENT_DOWNLOAD,
        "social_engagements": TouchpointKind.SOCIAL_ENGAGEMENT,
    }
    # A deal closed before it was created (bad data) leaves the pipeline the day it enters it.
    closed_out = "(CASE WHEN closed_on > created_on THEN closed_on ELSE created_on END)"
    lead = f"{T['lead']} WHERE workspace_id = %(ws)s"
    deal = f"{T['deal']} WHERE workspace_id = %(ws)s"
    # A lead of a won deal: every lead against every won deal's (one hash join) in a full rebuild; in a
    # partial one, each of the span's leads looked up by index (never every won deal of the history).
    # The closed-out day, an expression, is narrowed first by the two indexed dates it is one of.
    if span.everything:
        leads = (
            f"{T['lead']} l LEFT JOIN (SELECT DISTINCT workspace_id, lead_id FROM {deal} AND {won}) converted"
            " ON converted.workspace_id = l.workspace_id AND converted.lead_id = l.id"
        )
        customer = "converted.lead_id IS NOT NULL"
    else:
        leads = f"{T['lead']} l"
        # OFFSET 0 keeps PostgreSQL from weighing a hash of every won deal instead (it may pick it).
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        customer = (
            f"EXISTS (SELECT 1 FROM {T['deal']} d WHERE {same_workspace('d', 'l')} AND d.lead_id = l.id"
            f" AND d.{won}{fence})"
        )
    in_span = " BETWEEN %(first)s AND %(last)s"
    closed_out_dates = "" if span.everything else f" AND (closed_on{in_span} OR created_on{in_span})"
    return [
        (
            f"{T['spend']} WHERE workspace_id = %(ws)s{span.where('date')}",
            "date",
            "campaign_id",
            {"spend": "SUM(cost)", "impressions": "SUM(impressions)", "clicks": "SUM(clicks)"},
        ),
        (
            f"{leads} WHERE l.workspace_id = %(ws)s{span.where('l.created_on')}",
            "l.created_on",
            "l.source_campaign_id",
            {
                "leads": "COUNT(*)",
                "cohort_mqls": count_if("l.mql_at IS NOT NULL"),
                "cohort_sqls": count_if("l.sql_at IS NOT NULL"),
                "cohort_sqos": count_if("l.sqo_at IS NOT NULL"),
                "cohort_customers": count_if(customer),
            },
        ),
        *[
            (
                f"{lead} AND {stage}_on IS NOT NULL{span.where(f'{stage}_on')}",
                f"{stage}_on",
                "source_campaign_id",
                {f"{stage}s": "COUNT(*)"},
            )
            for stage in ("mql", "sql", "sqo")
        ],
        (f"{deal}{span.where('created_on')}", "created_on", "source_campaign_id", {"deals_created": "COUNT(*)"}),
        (
            f"{deal} AND status IN ('{DealStatus.WON}', '{DealStatus.LOST}') AND closed_on IS NOT NULL"
            f"{span.where('closed_on')}",
            "closed_on",
            "source_campaign_id",
            {
                "deals_won": count_if(won),
                "deals_lost": count_if(lost),
                "won_revenue": f"SUM(CASE WHEN {won} THEN amount ELSE 0 END)",
                "new_mrr": f"SUM(CASE WHEN {won} THEN mrr ELSE 0 END)",
            },
        ),
        (
            f"{deal} AND status IN ('{DealStatus.WON}', '{DealStatus.LOST}') AND closed_on IS NOT NULL"
            f"{closed_out_dates}{span.where(closed_out)}",
            closed_out,
            "source_campaign_id",
            {"deals_closed_out": "COUNT(*)"},
        ),
        (
            f"{deal} AND {won} AND churned_on IS NOT NULL{span.where('churned_on')}",
            "churned_on",
            "source_campaign_id",
            {"churned_mrr": "SUM(mrr)"},
        ),
        (
            f"{T['touchpoint']} WHERE workspace_id = %(ws)s"
            f" AND kind IN ({quoted(kinds.values())}){span.where('occurred_on')}",
            "occurred_on",
            "campaign_id",
            {name: count_if(f"kind = '{kind}'") for name, kind in kinds.items()},
        ),
        (
            f"{T['session']} WHERE workspace_id = %(ws)s{span.where('first_day')}",
            "first_day",
            "campaign_id",
            {
                "sessions": "COUNT(*)",
                "single_page_sessions": count_if("page_views = 1"),
                "session_page_views": "SUM(page_views)",
            },
        ),
        *_stat_sources(span),
    ]


def _stat_sources(span: Span) -> list[tuple[str, str, str, dict[str, str]]]:
    """The daily aggregate stats (KPI_SPEC): each adds to the event-level component of the same KPI."""
    stat = "{} WHERE workspace_id = %(ws)s" + span.where("date")
    return [
        (
            stat.format(T["email_stat"]),
            "date",
            "campaign_id",
            {
                "emails_sent": "SUM(sent)",
                "email_bounces": "SUM(bounces)",
                "email_unsubscribes": "SUM(unsubscribes)",
                "email_spam": "SUM(spam)",
                "stat_unique_opens": "SUM(unique_opens)",
                "stat_unique_clicks": "SUM(unique_clicks)",
            },
        ),
        (
            stat.format(T["web_stat"]),
            "date",
            "campaign_id",
            {
                "sessions": "SUM(sessions)",
                "single_page_sessions": "SUM(bounced_sessions)",
                # A stat's page views are both the period's and its sessions' (pages per session).
                "page_views": "SUM(page_views)",
                "session_page_views": "SUM(page_views)",
                "content_downloads": "SUM(content_downloads)",
                "stat_users": "SUM(users)",
                "stat_new_users": "SUM(new_users)",
                "web_stats": "COUNT(*)",
            },
        ),
        # Its share on the social channels' campaigns follows through SOCIAL_SHARES, like the touchpoints'.
        (stat.format(T["social_stat"]), "date", "campaign_id", {"social_engagements": "SUM(engagements)"}),
    ]


def build_components(workspace_id: int, span: Span) -> None:
    """Rebuild the daily components per campaign, then the workspace's daily totals, of the span."""
    params = span.params(workspace_id)
    parts = []
    for source, day, campaign, aggregates in _component_sources(span):
        values = ", ".join(f"{aggregates.get(name, '0')} AS {name}" for name in COMPONENT_FIELDS)
        parts.append(
            f"SELECT {day} AS day, {campaign} AS campaign_id, {values} FROM {source} GROUP BY {day}, {campaign}"
        )
    # The social channels' share is taken per (day, campaign), after grouping: a join of the groups, not of the rows.
    # The campaigns filtered in a subquery: Citus 13.2's planner crashes on an outer join whose ON clause
    # holds the workspace constant, on a table with row-level security.
    social = quoted([Channel.ORGANIC_SOCIAL, Channel.PAID_SOCIAL])
    sums = ", ".join(
        f"SUM(CASE WHEN c.channel IN ({social}) THEN parts.{SOCIAL_SHARES[name]} ELSE 0 END)"
        if name in SOCIAL_SHARES
        else f"SUM(parts.{name})"
        for name in COMPONENT_FIELDS
    )
    select = (
        f"SELECT %(ws)s, parts.day, parts.campaign_id, {sums} FROM ({' UNION ALL '.join(parts)}) parts"
        f" LEFT JOIN (SELECT id, channel FROM {T['campaign']} WHERE workspace_id = %(ws)s) c ON c.id = parts.campaign_id"
        " GROUP BY parts.day, parts.campaign_id"
    )
    COMPONENTS.replace_span(workspace_id, span, "day", select, params)
    totals = ", ".join(f"SUM({name})" for name in COMPONENT_FIELDS)
    WORKSPACE_DAYS.replace_span(
        workspace_id,
        span,
        "day",
        f"SELECT %(ws)s, day, {totals} FROM {T['components']} WHERE workspace_id = %(ws)s{span.where('day')} GROUP BY day",
        params,
    )
