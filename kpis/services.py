"""Writes of the KPI engine: rebuilding the rollups from the campaigns tables.

Every rebuild replaces whole local-date ranges in one transaction, by
INSERT … SELECT with GROUP BY in the database, so running it twice (or again
after a worker died half-way) leaves identical rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, F, Max, Min, OuterRef, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, FirstValue, RowNumber, TruncDate
from django.utils import timezone

from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS, Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import (
    ENGAGEMENT_KINDS,
    DataChange,
    Deal,
    DealStatus,
    Lead,
    SpendEntry,
    Touchpoint,
    TouchpointKind,
)
from kpis.models import (
    COMPONENT_FIELDS,
    AccountEngagementDay,
    ComponentSource,
    DailyComponents,
    KpiState,
    VisitorDay,
    WebSession,
)
from kpis.queries import day_range, decayed_weight, effective_account, insert_select

logger = logging.getLogger(__name__)

EPOCH = date(1970, 1, 1)
# Beyond this many half-lives from the decay reference, a partial recompute
# re-centres it with a full one (2^x overflows a double near x = 1024).
MAX_HALF_LIVES_FROM_REFERENCE = 900
LOCAL_DATE_BATCH = 5000
CHANGE_DELETE_BATCH = 500

LOCAL_DATE_COLUMNS = {
    Lead: {"created_on": "created_at", "mql_on": "mql_at", "sql_on": "sql_at", "sqo_on": "sqo_at"},
    Deal: {"created_on": "created_at", "closed_on": "closed_at", "churned_on": "churned_at"},
    Touchpoint: {"occurred_on": "occurred_at"},
}


def engagement_weights(workspace: Workspace) -> dict[str, float]:
    """The workspace's weights over the spec's defaults."""
    return {**DEFAULT_ENGAGEMENT_WEIGHTS, **(workspace.engagement_weights or {})}


def _settings_fingerprint(workspace: Workspace) -> str:
    """What the stored decayed weights depend on, besides the data."""
    payload = json.dumps(
        {"half_life": workspace.half_life_days, "weights": engagement_weights(workspace)}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _epoch_days(day: date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class RecomputeResult:
    full: bool
    ranges: tuple[tuple[date, date], ...]


def recompute_rollups(
    workspace_id: int, first_day: date | None = None, last_day: date | None = None
) -> RecomputeResult:
    """Rebuild the rollups of `first_day`..`last_day` (every date when either is None).

    Idempotent: the rows of the range are replaced in one transaction.
    """
    workspace = Workspace.objects.get(pk=workspace_id)
    ranges = None if first_day is None or last_day is None else [(first_day, last_day)]
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        return _rebuild(workspace, state, ranges)


def workspace_kpis_rebuild(workspace_id: int) -> None:
    """Everything from scratch: local dates if the time zone changed, then every rollup.

    Also consumes the pending DataChange rows (a full rebuild covers them).
    """
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    with workspace_scope(workspace):
        computed_in = KpiState.objects.values_list("time_zone", flat=True).first()
    # No state yet: the rows' dates may predate a time-zone change, so re-date them too.
    if computed_in != workspace.time_zone:
        workspace_local_dates_refresh(workspace, recompute=False)
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        change_ids = list(DataChange.objects.values_list("id", flat=True))
        _rebuild(workspace, state, None)
        _delete_changes(change_ids)


def recompute_pending_changes(workspace_id: int) -> RecomputeResult | None:
    """Consume the DataChange rows present now: rebuild their dates, then delete them.

    Rows committed while this runs are not read, so not deleted: they are
    left for the next recompute (their listener queues it). Returns None when
    there was nothing to do or the workspace is gone.
    """
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        changes = list(DataChange.objects.order_by("id").values_list("id", "first_day", "last_day"))
        if not changes:
            return None
        if any(first is None or last is None for _, first, last in changes):
            ranges = None
        else:
            ranges = _merge_ranges([(first, last) for _, first, last in changes])
        _after_changes_read(workspace_id, [change_id for change_id, _, _ in changes])
        result = _rebuild(workspace, state, ranges)
        _delete_changes([change_id for change_id, _, _ in changes])
        return result


def _delete_changes(ids: list[int]) -> None:
    """Delete the DataChange rows that were read, by id: rows committed since stay for the next run."""
    for start in range(0, len(ids), CHANGE_DELETE_BATCH):
        DataChange.objects.filter(id__in=ids[start : start + CHANGE_DELETE_BATCH]).delete()


def pending_changes_exist(workspace_id: int) -> bool:
    """Whether DataChange rows wait for a recompute (False when the workspace is gone)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return False
    with workspace_scope(workspace):
        return DataChange.objects.exists()


def _after_changes_read(workspace_id: int, change_ids: list[int]) -> None:
    """A seam for tests: the moment between reading the pending changes and rebuilding."""


def kpis_settings_changed(workspace: Workspace) -> None:
    """Call after saving a workspace's KPI settings (or time zone): recompute on commit.

    A time-zone change is noticed by the task, which first rewrites every
    local date (`workspace_local_dates_refresh`).
    """
    from kpis.tasks import recompute_workspace_full_task

    workspace_id = workspace.pk
    transaction.on_commit(lambda: recompute_workspace_full_task.delay(workspace_id))


def workspace_local_dates_refresh(workspace: Workspace, *, recompute: bool = True) -> int:
    """Rewrite every local-date column from its timestamp in the workspace's time zone.

    Done in SQL by id batches (each its own transaction, so a big workspace
    never holds one long lock), then a full recompute. Returns rows updated.
    """
    tz = workspace.tz
    updated = 0
    with workspace_scope(workspace):
        for model, columns in LOCAL_DATE_COLUMNS.items():
            bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
            if bounds["low"] is None:
                continue
            values = {local: TruncDate(stamp, tzinfo=tz) for local, stamp in columns.items()}
            for start in range(bounds["low"], bounds["high"] + 1, LOCAL_DATE_BATCH):
                with transaction.atomic():
                    updated += model.objects.filter(id__gte=start, id__lt=start + LOCAL_DATE_BATCH).update(**values)
        with transaction.atomic():
            state = _locked_state(workspace)
            state.time_zone = workspace.time_zone
            state.save(update_fields=["time_zone"])
    if recompute:
        recompute_rollups(workspace.pk)
    return updated


def _locked_state(workspace: Workspace) -> KpiState:
    """The workspace's KpiState, locked until the end of the transaction (one rebuild at a time)."""
    KpiState.objects.get_or_create(workspace=workspace, defaults={"time_zone": workspace.time_zone})
    return KpiState.objects.select_for_update().get()


def _merge_ranges(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _rebuild(workspace: Workspace, state: KpiState, ranges: list[tuple[date, date]] | None) -> RecomputeResult:
    fingerprint = _settings_fingerprint(workspace)
    full = (
        ranges is None
        or state.decay_reference is None
        or state.settings_fingerprint != fingerprint
        or any(_far_from_reference(state.decay_reference, r, workspace.half_life_days) for r in ranges)
    )
    if full:
        state.decay_reference = _decay_reference()
        for model in (DailyComponents, VisitorDay, WebSession, AccountEngagementDay):
            model.objects.all().delete()
        _rebuild_range(workspace, state, None, None)
    else:
        for first_day, last_day in ranges:
            _rebuild_range(workspace, state, first_day, last_day)
    state.settings_fingerprint = fingerprint
    state.as_of = timezone.now()
    state.save()
    return RecomputeResult(full=full, ranges=() if full else tuple(ranges))


def _far_from_reference(reference: float, day_range_: tuple[date, date], half_life_days: int) -> bool:
    farthest = max(abs(_epoch_days(day) - reference) for day in day_range_) + 1
    return farthest / half_life_days > MAX_HALF_LIVES_FROM_REFERENCE


def _decay_reference() -> float:
    """The middle of the engagement history, in days since 1970 (keeps 2^x finite)."""
    bounds = Touchpoint.objects.filter(kind__in=ENGAGEMENT_KINDS).aggregate(
        low=Min("occurred_on"), high=Max("occurred_on")
    )
    if bounds["low"] is None:
        return float(_epoch_days(timezone.now().date()))
    return float((_epoch_days(bounds["low"]) + _epoch_days(bounds["high"])) // 2)


def _rebuild_range(workspace: Workspace, state: KpiState, first_day: date | None, last_day: date | None) -> None:
    if first_day is not None:
        DailyComponents.objects.filter(day__range=(first_day, last_day)).delete()
        VisitorDay.objects.filter(day__range=(first_day, last_day)).delete()
        AccountEngagementDay.objects.filter(day__range=(first_day, last_day)).delete()
    _insert_components(workspace, first_day, last_day)
    _insert_visitor_days(workspace, first_day, last_day)
    _rebuild_web_sessions(workspace, first_day, last_day)
    _insert_account_engagement(workspace, state, first_day, last_day)


def _money_sum(field: str, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(field, filter=condition), Value(0), output_field=DecimalField(max_digits=18, decimal_places=2))


def _insert_components(workspace: Workspace, first_day: date | None, last_day: date | None) -> None:
    won = Q(status=DealStatus.WON)
    kind_count = {
        "emails_sent": TouchpointKind.EMAIL_SENT,
        "email_bounces": TouchpointKind.EMAIL_BOUNCE,
        "email_spam": TouchpointKind.EMAIL_SPAM,
        "email_unsubscribes": TouchpointKind.EMAIL_UNSUBSCRIBE,
        "page_views": TouchpointKind.PAGE_VIEW,
        "content_downloads": TouchpointKind.CONTENT_DOWNLOAD,
        "social_engagements": TouchpointKind.SOCIAL_ENGAGEMENT,
    }
    # (source, queryset filtered to the range, day field, campaign field, {component: aggregate})
    sources = [
        (
            ComponentSource.SPEND,
            SpendEntry.objects.filter(day_range("date", first_day, last_day)),
            "date",
            "campaign_id",
            {
                "spend": _money_sum("cost"),
                "impressions": Coalesce(Sum("impressions"), Value(0)),
                "clicks": Coalesce(Sum("clicks"), Value(0)),
            },
        ),
        (
            ComponentSource.LEAD_CREATED,
            Lead.objects.filter(day_range("created_on", first_day, last_day)),
            "created_on",
            "source_campaign_id",
            {
                "leads": Count("id"),
                "cohort_mqls": Count("id", filter=Q(mql_at__isnull=False)),
                "cohort_sqls": Count("id", filter=Q(sql_at__isnull=False)),
                "cohort_sqos": Count("id", filter=Q(sqo_at__isnull=False)),
            },
        ),
        *[
            (
                source,
                Lead.objects.filter(day_range(f"{stage}_on", first_day, last_day), **{f"{stage}_on__isnull": False}),
                f"{stage}_on",
                "source_campaign_id",
                {f"{stage}s": Count("id")},
            )
            for source, stage in (
                (ComponentSource.LEAD_MQL, "mql"),
                (ComponentSource.LEAD_SQL, "sql"),
                (ComponentSource.LEAD_SQO, "sqo"),
            )
        ],
        (
            ComponentSource.DEAL_CREATED,
            Deal.objects.filter(day_range("created_on", first_day, last_day)),
            "created_on",
            "source_campaign_id",
            {"deals_created": Count("id")},
        ),
        (
            ComponentSource.DEAL_CLOSED,
            Deal.objects.filter(
                day_range("closed_on", first_day, last_day),
                status__in=[DealStatus.WON, DealStatus.LOST],
                closed_on__isnull=False,
            ),
            "closed_on",
            "source_campaign_id",
            {
                "deals_won": Count("id", filter=won),
                "deals_lost": Count("id", filter=Q(status=DealStatus.LOST)),
                "won_revenue": _money_sum("amount", won),
                "new_mrr": _money_sum("mrr", won),
            },
        ),
        (
            ComponentSource.DEAL_CHURNED,
            Deal.objects.filter(day_range("churned_on", first_day, last_day), won, churned_on__isnull=False),
            "churned_on",
            "source_campaign_id",
            {"churned_mrr": _money_sum("mrr")},
        ),
        (
            ComponentSource.TOUCHPOINT,
            Touchpoint.objects.filter(
                day_range("occurred_on", first_day, last_day), kind__in=list(kind_count.values())
            ),
            "occurred_on",
            "campaign_id",
            {name: Count("id", filter=Q(kind=kind)) for name, kind in kind_count.items()},
        ),
    ]
    for source, queryset, day_field, campaign_field, aggregates in sources:
        grouped = (
            queryset.order_by()
            .values(r_day=F(day_field), r_campaign=F(campaign_field))
            .annotate(**{f"r_{name}": aggregate for name, aggregate in aggregates.items()})
        )
        columns = {"day": "r_day", "campaign_id": "r_campaign", **{name: f"r_{name}" for name in aggregates}}
        constants = {"source": source.value, **{name: 0 for name in COMPONENT_FIELDS if name not in aggregates}}
        insert_select(DailyComponents._meta.db_table, workspace.pk, grouped, columns, constants)


def _page_views():
    return Touchpoint.objects.filter(kind=TouchpointKind.PAGE_VIEW)


def _insert_visitor_days(workspace: Workspace, first_day: date | None, last_day: date | None) -> None:
    grouped = (
        _page_views()
        .filter(day_range("occurred_on", first_day, last_day))
        .exclude(visitor_id="")
        .order_by()
        .values(r_day=F("occurred_on"), r_visitor=F("visitor_id"), r_campaign=F("campaign_id"))
        .annotate(r_pages=Count("id"))
    )
    insert_select(
        VisitorDay._meta.db_table,
        workspace.pk,
        grouped,
        {"day": "r_day", "visitor_id": "r_visitor", "campaign_id": "r_campaign", "page_views": "r_pages"},
    )


def _rebuild_web_sessions(workspace: Workspace, first_day: date | None, last_day: date | None) -> None:
    """Sessions touched by the range are rebuilt from all their page views.

    A session belongs to the day of its first page view but counts its later
    ones too, so a page view on day d can change a session that started
    before d; those sessions are found through their page views in the range.
    """
    page_views = _page_views().exclude(session_id="")
    if first_day is None:
        sessions = page_views
    else:
        in_range = page_views.filter(occurred_on__range=(first_day, last_day)).values("session_id")
        WebSession.objects.filter(Q(first_day__range=(first_day, last_day)) | Q(session_id__in=in_range)).delete()
        # After the delete: the sessions with a page view in the range, and
        # those that started in it but now only have page views after it.
        orphaned = page_views.filter(occurred_on__gt=last_day).exclude(
            Exists(WebSession.objects.filter(session_id=OuterRef("session_id")))
        )
        sessions = page_views.filter(Q(session_id__in=in_range) | Q(session_id__in=orphaned.values("session_id")))
    # One pass with window functions (a correlated "first page view" subquery
    # per session is quadratic where the planner picks the wrong index).
    by_session = {"partition_by": F("session_id")}
    first_first = [F("occurred_at").asc(), F("external_id").asc(nulls_last=True), F("id").asc()]
    grouped = (
        sessions.order_by()
        .annotate(
            r_session=F("session_id"),
            r_first_day=Window(Min("occurred_on"), **by_session),
            r_pages=Window(Count("id"), **by_session),
            r_campaign=Window(FirstValue("campaign_id"), order_by=first_first, **by_session),
            r_rank=Window(RowNumber(), order_by=first_first, **by_session),
        )
        .filter(r_rank=1)
        .values("r_session", "r_first_day", "r_pages", "r_campaign")
    )
    insert_select(
        WebSession._meta.db_table,
        workspace.pk,
        grouped,
        {"session_id": "r_session", "first_day": "r_first_day", "campaign_id": "r_campaign", "page_views": "r_pages"},
    )


def _insert_account_engagement(
    workspace: Workspace, state: KpiState, first_day: date | None, last_day: date | None
) -> None:
    grouped = (
        Touchpoint.objects.filter(day_range("occurred_on", first_day, last_day), kind__in=ENGAGEMENT_KINDS)
        .annotate(engaged_account=effective_account())
        .filter(engaged_account__isnull=False)
        .order_by()
        .values(r_account=F("engaged_account"), r_day=F("occurred_on"))
        .annotate(
            r_touches=Count("id"),
            r_decayed=Sum(
                decayed_weight(engagement_weights(workspace), state.decay_reference, workspace.half_life_days)
            ),
        )
    )
    insert_select(
        AccountEngagementDay._meta.db_table,
        workspace.pk,
        grouped,
        {"account_id": "r_account", "day": "r_day", "touches": "r_touches", "decayed_weight": "r_decayed"},
    )
