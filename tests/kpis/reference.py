"""A slow, obvious implementation of docs/kpis.md over raw rows, in plain Python.

It reads the rows once (`snapshot`) and then follows the spec sentence by
sentence: timestamps are converted to the workspace's time zone here (it does
not trust the stored local dates), nothing is pre-aggregated. The property
test checks the engine against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS, Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint

NOT_ENGAGEMENT = {"email_sent", "email_bounce", "email_spam", "email_unsubscribe"}
SOCIAL = {"organic_social", "paid_social"}
ACCOUNT_LEVEL = {
    "active_customers", "customer_churn_rate", "retention_rate", "arpa", "clv", "target_accounts",
    "engaged_target_accounts", "account_engagement_rate", "mqas", "target_accounts_won",
    "target_account_conversion_rate", "abm_velocity_days", "non_target_velocity_days",
}  # fmt: skip


@dataclass
class Snapshot:
    tz: ZoneInfo
    gross_margin: Decimal
    weights: dict
    window_days: int
    half_life_days: int
    mqa_threshold: float
    campaigns: dict = field(default_factory=dict)  # id → row
    spend: list = field(default_factory=list)
    accounts: dict = field(default_factory=dict)
    leads: dict = field(default_factory=dict)
    deals: list = field(default_factory=list)
    touchpoints: list = field(default_factory=list)


def snapshot(workspace: Workspace) -> Snapshot:
    workspace.refresh_from_db()
    snap = Snapshot(
        tz=workspace.tz,
        gross_margin=workspace.gross_margin,
        weights={**DEFAULT_ENGAGEMENT_WEIGHTS, **workspace.engagement_weights},
        window_days=workspace.engagement_window_days,
        half_life_days=workspace.half_life_days,
        mqa_threshold=float(workspace.mqa_threshold),
    )
    with workspace_scope(workspace):
        snap.campaigns = {c["id"]: c for c in Campaign.objects.values()}
        snap.spend = list(SpendEntry.objects.values())
        snap.accounts = {a["id"]: a for a in Account.objects.values()}
        snap.leads = {lead["id"]: lead for lead in Lead.objects.values()}
        snap.deals = list(Deal.objects.values())
        snap.touchpoints = list(Touchpoint.objects.values())
    return snap


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _div(a, b):
    if b is None or b == 0 or a is None:
        return None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(a) / Decimal(b)
    return a / b


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def _order(row) -> tuple:
    """Time order, ties broken by external_id, rows without one last (then by id)."""
    return (row["occurred_at"], row["external_id"] is None, row["external_id"] or "", row["id"])


class Reference:
    def __init__(self, snap: Snapshot):
        self.s = snap

    # helpers straight from the conventions

    def local(self, moment: datetime) -> date:
        return moment.astimezone(self.s.tz).date()

    def in_p(self, moment, first: date, last: date) -> bool:
        return moment is not None and first <= self.local(moment) <= last

    def end(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.s.tz).astimezone(UTC)

    def start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.s.tz).astimezone(UTC)

    def account_of(self, tp) -> int | None:
        if tp["account_id"] is not None:
            return tp["account_id"]
        if tp["lead_id"] is not None:
            return self.s.leads[tp["lead_id"]]["account_id"]
        return None

    def first_touch_at(self, account_id) -> datetime:
        moments = [tp["occurred_at"] for tp in self.s.touchpoints if self.account_of(tp) == account_id]
        moments += [lead["created_at"] for lead in self.s.leads.values() if lead["account_id"] == account_id]
        moments += [d["created_at"] for d in self.s.deals if d["account_id"] == account_id]
        return min(moments)

    def first_won_deal(self, account_id):
        won = [d for d in self.s.deals if d["account_id"] == account_id and d["status"] == "won"]
        return min(won, key=lambda d: (d["closed_at"], d["external_id"])) if won else None

    def active(self, account_id, t: datetime) -> bool:
        return any(
            d["account_id"] == account_id
            and d["status"] == "won"
            and d["closed_at"] < t
            and (d["churned_at"] is None or d["churned_at"] >= t)
            for d in self.s.deals
        )

    def score(self, account_id, t: datetime) -> float:
        window_start = t - timedelta(days=self.s.window_days)
        total = 0.0
        for tp in self.s.touchpoints:
            if tp["kind"] in NOT_ENGAGEMENT or self.account_of(tp) != account_id:
                continue
            if window_start <= tp["occurred_at"] < t:
                age = _days(t - tp["occurred_at"])
                total += self.s.weights.get(tp["kind"], 0) * 0.5 ** (age / self.s.half_life_days)
        return total

    # the KPIs

    def kpis(self, first: date, last: date, campaign_id=None, channel=None) -> dict:
        s = self.s
        narrowed = campaign_id is not None or channel is not None

        def in_scope(cid) -> bool:
            if campaign_id is not None:
                return cid == campaign_id
            if channel is not None:
                return cid is not None and s.campaigns[cid]["channel"] == channel
            return True

        def in_p(moment) -> bool:
            return self.in_p(moment, first, last)

        spend_rows = [r for r in s.spend if first <= r["date"] <= last and in_scope(r["campaign_id"])]
        spend = sum((r["cost"] for r in spend_rows), Decimal(0))
        impressions = sum(r["impressions"] for r in spend_rows)
        clicks = sum(r["clicks"] for r in spend_rows)
        leads = [lead for lead in s.leads.values() if in_scope(lead["source_campaign_id"])]
        created = [lead for lead in leads if in_p(lead["created_at"])]
        deals = [d for d in s.deals if in_scope(d["source_campaign_id"])]
        won = [d for d in deals if d["status"] == "won" and in_p(d["closed_at"])]
        lost = [d for d in deals if d["status"] == "lost" and in_p(d["closed_at"])]
        won_revenue = sum((d["amount"] for d in won), Decimal(0))

        def is_first(d) -> bool:
            return self.first_won_deal(d["account_id"])["id"] == d["id"]

        repeat = sum((d["amount"] for d in won if not is_first(d)), Decimal(0))
        new_customer_deals = [d for d in won if is_first(d)]
        new_customers = len({d["account_id"] for d in new_customer_deals})
        end, start = self.end(last), self.start(first)
        open_deals = sum(
            1 for d in deals if d["created_at"] < end and (d["closed_at"] is None or d["closed_at"] >= end)
        )
        won_lead_ids = {d["lead_id"] for d in s.deals if d["status"] == "won" and d["lead_id"] is not None}
        cycles = [_days(d["closed_at"] - self.first_touch_at(d["account_id"])) for d in won]
        avg_cycle = sum(cycles) / len(cycles) if cycles else None
        win_rate = _div(len(won), len(won) + len(lost))
        avg_deal = _div(won_revenue, len(won))
        if win_rate is None or avg_deal is None or not avg_cycle:
            velocity = None
        else:
            velocity = Decimal(open_deals * win_rate * float(avg_deal) / avg_cycle)
        active_won = [
            d
            for d in deals
            if d["status"] == "won" and d["closed_at"] < end and (d["churned_at"] is None or d["churned_at"] >= end)
        ]
        tps = [tp for tp in s.touchpoints if in_p(tp["occurred_at"]) and in_scope(tp["campaign_id"])]

        def count(kind) -> int:
            return sum(1 for tp in tps if tp["kind"] == kind)

        def unique_pairs(kind) -> int:
            return len({(tp["lead_id"], tp["campaign_id"]) for tp in tps if tp["kind"] == kind and tp["lead_id"]})

        sent, bounces = count("email_sent"), count("email_bounce")
        delivered = sent - bounces
        opens, email_clicks = unique_pairs("email_open"), unique_pairs("email_click")
        # web: sessions over the whole workspace, then narrowed by their first page view's campaign
        page_views_all = sorted((tp for tp in s.touchpoints if tp["kind"] == "page_view"), key=_order)
        sessions: dict[str, list] = {}
        for tp in page_views_all:
            if tp["session_id"]:
                sessions.setdefault(tp["session_id"], []).append(tp)
        sessions_p = [pv for pv in sessions.values() if in_p(pv[0]["occurred_at"]) and in_scope(pv[0]["campaign_id"])]
        page_views_p = [tp for tp in tps if tp["kind"] == "page_view"]
        visitors = {tp["visitor_id"] for tp in page_views_p if tp["visitor_id"]}
        first_seen: dict[str, datetime] = {}
        for tp in page_views_all:
            if tp["visitor_id"]:
                first_seen.setdefault(tp["visitor_id"], tp["occurred_at"])
        new_visitors = sum(1 for v in visitors if in_p(first_seen[v]))
        social_tps = sum(
            1
            for tp in tps
            if tp["kind"] == "social_engagement"
            and tp["campaign_id"]
            and s.campaigns[tp["campaign_id"]]["channel"] in SOCIAL
        )
        social_impressions = sum(
            r["impressions"] for r in spend_rows if s.campaigns[r["campaign_id"]]["channel"] in SOCIAL
        )
        downloads = count("content_download")
        v = {
            "spend": spend,
            "impressions": impressions,
            "clicks": clicks,
            "leads": len(created),
            "mqls": sum(1 for lead in leads if in_p(lead["mql_at"])),
            "sqls": sum(1 for lead in leads if in_p(lead["sql_at"])),
            "sqos": sum(1 for lead in leads if in_p(lead["sqo_at"])),
            "deals_created": sum(1 for d in deals if in_p(d["created_at"])),
            "deals_won": len(won),
            "deals_lost": len(lost),
            "won_revenue": won_revenue,
            "repeat_customer_revenue": repeat,
            "new_customers": new_customers,
            "cpl": _div(spend, len(created)),
            "cost_per_mql": _div(spend, sum(1 for lead in leads if in_p(lead["mql_at"]))),
            "cost_per_sqo": _div(spend, sum(1 for lead in leads if in_p(lead["sqo_at"]))),
            "cac": _div(spend, new_customers),
            "cpc": _div(spend, clicks),
            "ad_ctr": _div(clicks, impressions),
            "mql_rate": _div(sum(1 for lead in created if lead["mql_at"]), len(created)),
            "sql_rate": _div(sum(1 for lead in created if lead["sql_at"]), len(created)),
            "sqo_rate": _div(sum(1 for lead in created if lead["sqo_at"]), len(created)),
            "lead_to_customer_rate": _div(sum(1 for lead in created if lead["id"] in won_lead_ids), len(created)),
            "revenue_per_lead": _div(won_revenue, len(created)),
            "roi": _div(won_revenue - spend, spend),
            "avg_deal_size": avg_deal,
            "win_rate": win_rate,
            "avg_sales_cycle_days": avg_cycle,
            "open_deals": open_deals,
            "pipeline_velocity": velocity,
            "mrr": sum((d["mrr"] for d in active_won), Decimal(0)),
            "new_mrr": sum((d["mrr"] for d in won), Decimal(0)),
            "churned_mrr": sum((d["mrr"] for d in deals if d["status"] == "won" and in_p(d["churned_at"])), Decimal(0)),
            "emails_sent": sent,
            "email_bounces": bounces,
            "emails_delivered": delivered,
            "unique_opens": opens,
            "unique_clicks": email_clicks,
            "open_rate": _div(opens, delivered),
            "email_ctr": _div(email_clicks, delivered),
            "click_to_open_rate": _div(email_clicks, opens),
            "bounce_rate": _div(bounces, sent),
            "unsubscribe_rate": _div(count("email_unsubscribe"), delivered),
            "inbox_placement_rate": _div(delivered - count("email_spam"), sent),
            "page_views": len(page_views_p),
            "sessions": len(sessions_p),
            "bounce_rate_web": _div(sum(1 for pv in sessions_p if len(pv) == 1), len(sessions_p)),
            "pages_per_session": _div(sum(len(pv) for pv in sessions_p), len(sessions_p)),
            "unique_visitors": len(visitors),
            "new_visitors": new_visitors,
            "returning_visitors": len(visitors) - new_visitors,
            "returning_visitor_rate": _div(len(visitors) - new_visitors, len(visitors)),
            "content_downloads": downloads,
            "download_rate": _div(downloads, len(visitors)),
            "social_engagements": count("social_engagement"),
            "social_engagement_rate": _div(social_tps, social_impressions),
        }
        for name in ("ad_ctr", "roi"):
            v[name] = None if v[name] is None else float(v[name])
        if narrowed:
            v.update(dict.fromkeys(ACCOUNT_LEVEL))
        else:
            accounts = s.accounts.values()
            active_end = [a for a in accounts if self.active(a["id"], end)]
            active_start = [a for a in accounts if self.active(a["id"], start)]
            churned = [a for a in active_start if not self.active(a["id"], end)]
            churn_rate = _div(len(churned), len(active_start))
            arpa = _div(v["mrr"], len(active_end))
            days = (last - first).days + 1
            clv = None
            if arpa is not None and churn_rate:
                clv = arpa * s.gross_margin / Decimal(churn_rate * 30 / days)
            targets = [a for a in accounts if a["is_target"]]
            engaged = [
                a
                for a in targets
                if any(
                    tp["kind"] not in NOT_ENGAGEMENT and self.account_of(tp) == a["id"] and in_p(tp["occurred_at"])
                    for tp in s.touchpoints
                )
            ]
            mqas = [a for a in targets if self.score(a["id"], end) >= s.mqa_threshold]
            firsts = {a["id"]: self.first_won_deal(a["id"]) for a in accounts}
            won_first_in_p = [a for a in accounts if firsts[a["id"]] and in_p(firsts[a["id"]]["closed_at"])]

            def velocity_of(group):
                values = [_days(firsts[a["id"]]["closed_at"] - self.first_touch_at(a["id"])) for a in group]
                return sum(values) / len(values) if values else None

            v.update(
                {
                    "active_customers": len(active_end),
                    "customer_churn_rate": churn_rate,
                    "retention_rate": None if churn_rate is None else 1 - churn_rate,
                    "arpa": arpa,
                    "clv": clv,
                    "target_accounts": len(targets),
                    "engaged_target_accounts": len(engaged),
                    "account_engagement_rate": _div(len(engaged), len(targets)),
                    "mqas": len(mqas),
                    "target_accounts_won": sum(1 for a in won_first_in_p if a["is_target"]),
                    "target_account_conversion_rate": _div(
                        sum(1 for a in targets if firsts[a["id"]] and firsts[a["id"]]["closed_at"] < end), len(targets)
                    ),
                    "abm_velocity_days": velocity_of([a for a in won_first_in_p if a["is_target"]]),
                    "non_target_velocity_days": velocity_of([a for a in won_first_in_p if not a["is_target"]]),
                }
            )
        return v

    def scores(self, at: date) -> dict[str, float]:
        return {a["external_id"]: self.score(a["id"], self.end(at)) for a in self.s.accounts.values() if a["is_target"]}

    def attribution(self, first: date, last: date, model: str) -> dict[str, tuple[Decimal, float]]:
        revenue: dict[str, Decimal] = {}
        credit: dict[str, float] = {}
        for deal in self.s.deals:
            if deal["status"] != "won" or not self.in_p(deal["closed_at"], first, last):
                continue
            journey = sorted(
                (
                    tp
                    for tp in self.s.touchpoints
                    if tp["kind"] not in NOT_ENGAGEMENT
                    and tp["campaign_id"] is not None
                    and self.account_of(tp) == deal["account_id"]
                    and tp["occurred_at"] <= deal["closed_at"]
                ),
                key=_order,
            )
            n = len(journey)
            if n == 0:
                source = deal["source_campaign_id"]
                shares = [(self.s.campaigns[source]["external_id"] if source else "unattributed", 1.0)]
            else:
                names = [self.s.campaigns[tp["campaign_id"]]["external_id"] for tp in journey]
                if model == "first_touch":
                    weights = [1.0 if i == 0 else 0.0 for i in range(n)]
                elif model == "last_touch":
                    weights = [1.0 if i == n - 1 else 0.0 for i in range(n)]
                elif model == "linear":
                    weights = [1 / n] * n
                elif model == "position_based":
                    weights = [1 / n] * n if n <= 2 else [0.4 if i in (0, n - 1) else 0.2 / (n - 2) for i in range(n)]
                else:
                    raw = [0.5 ** (_days(deal["closed_at"] - tp["occurred_at"]) / 7) for tp in journey]
                    weights = [w / sum(raw) for w in raw]
                shares = list(zip(names, weights, strict=True))
            for name, share in shares:
                revenue[name] = revenue.get(name, Decimal(0)) + deal["amount"] * Decimal(share)
                credit[name] = credit.get(name, 0.0) + share
        return {name: (revenue[name], credit[name]) for name in revenue if credit[name] > 0}


def money(value) -> Decimal | None:
    return _money(value)
