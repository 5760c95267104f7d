"""Reads of marketing data, always inside the current workspace (the scoped managers see to it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet

from accounts.tenancy import current_workspace
from campaigns.models import (
    Account,
    Campaign,
    Deal,
    EmailStat,
    ImportJob,
    Lead,
    SeoStat,
    SocialStat,
    SpendEntry,
    Touchpoint,
    WebStat,
)

M = TypeVar("M", bound=Model)

# What a reference field (FieldSpec.ref) names: the model its external_id is looked up in.
REFERENCED_MODELS: dict[str, type[Model]] = {"campaign": Campaign, "account": Account, "lead": Lead}


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def spend_list() -> QuerySet[SpendEntry]:
    return SpendEntry.objects.select_related("campaign")


def account_list() -> QuerySet[Account]:
    return Account.objects.all()


def lead_list() -> QuerySet[Lead]:
    return Lead.objects.select_related("account", "source_campaign")


def deal_list() -> QuerySet[Deal]:
    return Deal.objects.select_related("account", "lead", "source_campaign")


def touchpoint_list() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("campaign", "lead", "account")


def email_stat_list() -> QuerySet[EmailStat]:
    return EmailStat.objects.select_related("campaign")


def web_stat_list() -> QuerySet[WebStat]:
    return WebStat.objects.select_related("campaign")


def social_stat_list() -> QuerySet[SocialStat]:
    return SocialStat.objects.select_related("campaign")


def seo_stat_list() -> QuerySet[SeoStat]:
    return SeoStat.objects.all()


def _usable(external_id: str) -> bool:
    # PostgreSQL text cannot hold NUL; such an id cannot exist, so it is simply not found.
    return bool(external_id) and "\x00" not in external_id


def object_by_external_id(*, objects: QuerySet[M], external_id: str) -> M | None:
    """One object of `objects` (a resource's list) by its external_id; another workspace's is None, like a missing one."""
    if not _usable(external_id):
        return None
    return objects.filter(external_id=external_id).first()


def object_by_campaign_day(*, objects: QuerySet[M], campaign_external_id: str | None, on: date) -> M | None:
    """One row of a per-campaign, per-day resource (spend) by its campaign's external_id (None: no campaign) and date."""
    if campaign_external_id is None:
        return objects.filter(campaign__isnull=True, date=on).first()
    if not _usable(campaign_external_id):
        return None
    return objects.filter(campaign__external_id=campaign_external_id, date=on).first()


def object_by_day(*, objects: QuerySet[M], on: date) -> M | None:
    """One row of a per-day resource (SEO stats) by its date."""
    return objects.filter(date=on).first()


def key_probes_sql(table: str, key: Sequence[tuple[str, str]], read: Sequence[str], *, lock: bool = False) -> str:
    """SQL (PostgreSQL): the `read` columns of the rows of `table` that (workspace_id, *key) names, row by row.

    `key` is (quoted column, type) of each key column. The parameters (%b) are
    an array of workspace ids, then one array per key column, all as long as
    the keys. The workspace comes with each key, so the planner sees
    `workspace_id = <a value of the join>`, never the constant: with the
    constant, and statistics from before a new workspace's backfill, it counts
    one row in the workspace, every index starting with workspace_id costs the
    same, and it read the workspace's every row through another index (once
    per batch; probed per key, once per key: 1.7 s for 1,000 keys among 13,000
    rows). Keyed by every column of the unique index, each probe is one row
    whatever the statistics say; rows come (and are locked) in the keys' order.
    """
    names = [f"k{n}" for n in range(len(key))]
    arrays = ", ".join(f"%b::{db_type}[]" for _column, db_type in key)
    matches = " AND ".join(f"{column} = k.{name}" for (column, _type), name in zip(key, names, strict=True))
    return (
        f"SELECT r.* FROM unnest(%b::bigint[], {arrays}) AS k (ws, {', '.join(names)})"  # noqa: S608
        f" CROSS JOIN LATERAL (SELECT {', '.join(read)} FROM {table} WHERE workspace_id = k.ws AND {matches}"
        f" OFFSET 0{' FOR UPDATE' if lock else ''}) r"
    )


def reference_ids(*, ref: str, external_ids: set[str]) -> dict[str, int]:
    """{external_id: pk} of the current workspace's `ref` objects (campaign, account, lead) among `external_ids`."""
    model = REFERENCED_MODELS[ref]
    if connection.vendor != "postgresql":
        return dict(model.objects.filter(external_id__in=external_ids).values_list("external_id", "pk"))
    # One array parameter bound on the server instead of up to 1,000 quoted literals.
    workspace = current_workspace()
    table = connection.ops.quote_name(model._meta.db_table)
    wanted = list(external_ids)
    if connection.citus:
        sql = f"SELECT external_id, id FROM {table} WHERE workspace_id = %b AND external_id = ANY(%b)"  # noqa: S608
        params = [workspace.pk, wanted]
    else:
        sql = key_probes_sql(table, [("external_id", "text")], ["external_id", "id"])
        params = [[workspace.pk] * len(wanted), wanted]
    # The import's check reads outside any transaction: give the binding cursor one (no savepoint inside one).
    with transaction.atomic(savepoint=False), connection.binding_cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


# The data pages' lists: search (`q`) and filters, as the pages' filter forms name them.


def _search(queryset: QuerySet[M], q: str, fields: tuple[str, ...]) -> QuerySet[M]:
    if not q:
        return queryset
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": q})
    return queryset.filter(condition)


def campaign_browse(
    *,
    q: str = "",
    channel: str = "",
    abm: str = "",
    active_from: date | None = None,
    active_to: date | None = None,
) -> QuerySet[Campaign]:
    queryset = _search(campaign_list(), q, ("name", "external_id"))
    if channel:
        queryset = queryset.filter(channel=channel)
    if abm:
        queryset = queryset.filter(is_abm=abm == "yes")
    # Running at some point of the range: started by its end, not ended before its start.
    if active_to is not None:
        queryset = queryset.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=active_to))
    if active_from is not None:
        queryset = queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=active_from))
    return queryset


def account_browse(*, q: str = "", target: str = "", industry: str = "") -> QuerySet[Account]:
    queryset = _search(account_list(), q, ("name", "domain", "external_id"))
    if target:
        queryset = queryset.filter(is_target=target == "yes")
    if industry:
        queryset = queryset.filter(industry__iexact=industry)
    return queryset


def lead_browse(
    *,
    q: str = "",
    stage: str = "",
    campaign: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[Lead]:
    queryset = _search(lead_list(), q, ("email", "external_id", "account__name"))
    if stage == "new":
        queryset = queryset.filter(mql_at__isnull=True, sql_at__isnull=True, sqo_at__isnull=True)
    elif stage == "mql":
        queryset = queryset.filter(mql_at__isnull=False, sql_at__isnull=True, sqo_at__isnull=True)
    elif stage == "sql":
        queryset = queryset.filter(sql_at__isnull=False, sqo_at__isnull=True)
    elif stage == "sqo":
        queryset = queryset.filter(sqo_at__isnull=False)
    if campaign:
        queryset = queryset.filter(source_campaign__external_id=campaign)
    # Local dates (the workspace's time zone), as on the dashboards.
    if created_from is not None:
        queryset = queryset.filter(created_on__gte=created_from)
    if created_to is not None:
        queryset = queryset.filter(created_on__lte=created_to)
    return queryset


def deal_browse(
    *,
    q: str = "",
    status: str = "",
    campaign: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
) -> QuerySet[Deal]:
    queryset = _search(deal_list(), q, ("name", "external_id", "account__name"))
    if status:
        queryset = queryset.filter(status=status)
    if campaign:
        queryset = queryset.filter(source_campaign__external_id=campaign)
    for value, column in (
        (created_from, "created_on__gte"),
        (created_to, "created_on__lte"),
        (closed_from, "closed_on__gte"),
        (closed_to, "closed_on__lte"),
    ):
        if value is not None:
            queryset = queryset.filter(**{column: value})
    return queryset


def account_target_count() -> int:
    """How many accounts are on the ABM target list."""
    return Account.objects.filter(is_target=True).count()


def account_industries() -> list[str]:
    """The industries the accounts name, each once, sorted (the account list's filter choices)."""
    return list(Account.objects.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct())


def campaign_choices(*, limit: int) -> list[tuple[str, str]]:
    """(external_id, name) of the first `limit` campaigns by name (the lists' source-campaign filter)."""
    return list(Campaign.objects.order_by("name").values_list("external_id", "name")[:limit])


def import_job_recent(*, limit: int) -> list[ImportJob]:
    return list(ImportJob.objects.select_related("created_by").order_by("-created_at")[:limit])


def import_job_get(*, job_id: int) -> ImportJob | None:
    return ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
