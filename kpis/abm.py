"""Target accounts by engagement score, in SQL (docs/kpis.md, ABM): lists the database sorts and pages.

score(a, end of day t) is read as `kpis.selectors` reads it (docs/architecture.md: decay
is separable): the window's whole days from `AccountDay`'s per-day decayed
sums, ± the raw touches of its boundary day when daylight saving moved the
window's start, times the decay factor, never below 0. A page of accounts
costs a fixed number of queries, whatever the size of the target list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Max

from accounts.models import Workspace
from accounts.tenancy import workspace_reads, workspace_scope
from campaigns.models import Account
from kpis import formulas
from kpis.models import AccountDay, KpiState
from kpis.periods import FIRST_DAY
from kpis.queries import MAX_DECAY_EXPONENT, TARGET_TOUCHES, decayed_weight_sql
from kpis.services import engagement_weights

EXPORT_CHUNK = 2000
# Which target accounts a list shows: all of them, those engaged in the period, the MQAs at its end.
SHOW_FILTERS = {"all": "", "engaged": " AND s.engaged > 0", "mqa": " AND COALESCE(s.score, 0.0) >= %(threshold)s"}


def end_of_day(workspace: Workspace, day: date) -> datetime:
    """Midnight (UTC-aware) at the start of the day after `day`, in the workspace's time zone."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=workspace.tz).astimezone(UTC)


@dataclass(frozen=True)
class ScoreWindow:
    """How score(a, end of a day) is read: whole days from `whole_from`, ± raw touches in [raw_from, raw_until)."""

    whole_from: date
    raw_from: datetime
    raw_until: datetime  # both within one local day, `raw_day`
    raw_sign: float
    reference: float
    factor: float  # 0.5^((t − R) / half_life): turns the stored partial sums into scores at t
    raw_day: date


def score_window(workspace: Workspace, at: date) -> ScoreWindow | None:
    """The engagement window ending at the end of `at` (None before the first recompute).

    It starts at a local midnight unless daylight saving changed within it;
    then the day it starts in is taken whole less its touches before the
    start, or left out plus its touches after the start, whichever reads fewer
    raw touchpoints (an hour's worth).
    """
    state = KpiState.objects.first()
    if state is None or state.decay_reference is None:
        return None
    tz = workspace.tz
    moment = end_of_day(workspace, at)
    # No row is older than FIRST_DAY: a longer window reads the same rows, and would overflow a datetime.
    window_start = moment - timedelta(days=min(workspace.engagement_window_days, (at - FIRST_DAY).days + 1))
    boundary_day = window_start.astimezone(tz).date()
    day_start = datetime.combine(boundary_day, time.min, tzinfo=tz).astimezone(UTC)
    day_end = min(end_of_day(workspace, boundary_day), moment)
    moment_days = moment.timestamp() / formulas.SECONDS_PER_DAY
    factor = 0.5 ** _clamped((moment_days - state.decay_reference) / workspace.half_life_days)
    if window_start - day_start <= day_end - window_start:
        return ScoreWindow(boundary_day, day_start, window_start, -1.0, state.decay_reference, factor, boundary_day)
    return ScoreWindow(
        boundary_day + timedelta(days=1), window_start, day_end, 1.0, state.decay_reference, factor, boundary_day
    )


def _clamped(half_lives: float) -> float:
    """The decay exponent within ±MAX_DECAY_EXPONENT, as the stored partial sums are (2^x stays a finite double).

    A day thousands of half-lives from the reference (a date far before the
    history, a one-day half-life) would otherwise overflow the float.
    """
    return max(-MAX_DECAY_EXPONENT, min(MAX_DECAY_EXPONENT, half_lives))


def _window(workspace: Workspace, at: date) -> ScoreWindow:
    """The window of score(a, end of `at`); before the first recompute one that reads nothing (every score 0)."""
    with workspace_scope(workspace):
        window = score_window(workspace, at)
    if window is None:
        never = end_of_day(workspace, at)
        window = ScoreWindow(at + timedelta(days=1), never, never, 1.0, 0.0, 0.0, at)
    return window


def _in_list(column: str, ids: Iterable[int] | None, params: dict) -> str:
    """` AND column IN (…)` over named parameters (nothing when `ids` is None)."""
    if ids is None:
        return ""
    names = []
    for i, account_id in enumerate(ids):
        params[f"id_{i}"] = account_id
        names.append(f"%(id_{i})s")
    return f" AND {column} IN ({', '.join(names) or 'NULL'})"  # IN (NULL): no account


def account_scores_sql(
    workspace: Workspace, at: date, *, engaged_from: date | None = None, account_ids: Iterable[int] | None = None
) -> tuple[str, dict]:
    """SQL of (account_id, engaged, score) and its parameters, for the target accounts with engagement.

    `engaged` counts the account's days with engagement from `engaged_from` to
    `at`; an account with no engagement there nor in the window has no row
    (its score is 0). `account_ids` narrows it to those accounts.
    """
    window = _window(workspace, at)
    engaged_from = engaged_from or at + timedelta(days=1)
    decayed, params = decayed_weight_sql(engagement_weights(workspace), window.reference, workspace.half_life_days)
    adapt = connection.ops.adapt_datetimefield_value
    params.update(
        ws=workspace.pk, at=at, engaged_from=engaged_from, whole_from=window.whole_from,
        since=min(engaged_from, window.whole_from), sign=window.raw_sign, factor=window.factor,
        raw_from=adapt(window.raw_from), raw_until=adapt(window.raw_until), raw_day=window.raw_day,
    )  # fmt: skip
    parts = (
        "SELECT account_id, CASE WHEN day >= %(engaged_from)s THEN 1 ELSE 0 END AS engaged,"  # noqa: S608
        " CASE WHEN day >= %(whole_from)s THEN decayed_weight ELSE 0 END AS in_window"
        f" FROM {AccountDay._meta.db_table} WHERE workspace_id = %(ws)s AND day BETWEEN %(since)s AND %(at)s"
        f"{_in_list('account_id', account_ids, params)}"
        f" UNION ALL SELECT a.id, 0, %(sign)s * {decayed} {TARGET_TOUCHES}"
        " AND t.occurred_on = %(raw_day)s AND t.occurred_at >= %(raw_from)s AND t.occurred_at < %(raw_until)s"
        f"{_in_list('a.id', account_ids, params)}"
    )
    sql = (
        "SELECT account_id, SUM(engaged) AS engaged,"  # noqa: S608
        " CASE WHEN SUM(in_window) > 0 THEN SUM(in_window) * %(factor)s ELSE 0.0 END AS score"
        f" FROM ({parts}) parts GROUP BY account_id"
    )
    return sql, params


def scores_at(workspace: Workspace, at: date, account_ids: Iterable[int] | None = None) -> dict[int, float]:
    """score(a, end of `at`) of the target accounts, or of the given ones (those without engagement are left out: 0)."""
    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return {}
    sql, params = account_scores_sql(workspace, at, account_ids=account_ids)
    with workspace_reads(workspace), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {account_id: score for account_id, _engaged, score in cursor.fetchall()}


def engagement_counts(workspace: Workspace, first_day: date, last_day: date) -> tuple[int, int]:
    """(target accounts engaged from `first_day` to `last_day`, MQAs at its end), in one pass (workspace scope)."""
    scores, params = account_scores_sql(workspace, last_day, engaged_from=first_day)
    params["threshold"] = float(workspace.mqa_threshold)
    sql = (
        "SELECT SUM(CASE WHEN engaged > 0 THEN 1 ELSE 0 END),"  # noqa: S608
        f" SUM(CASE WHEN score >= %(threshold)s THEN 1 ELSE 0 END) FROM ({scores}) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        engaged, mqas = cursor.fetchone()
    return int(engaged or 0), int(mqas or 0)


def scores_by_external_id(workspace: Workspace, at: date) -> Iterator[tuple[str, float]]:
    """(external_id, score at the end of `at`) of every target account, by external_id, streamed (workspace scope)."""
    scores, params = account_scores_sql(workspace, at)
    sql = (
        f"SELECT a.external_id, COALESCE(s.score, 0.0) FROM {Account._meta.db_table} a"  # noqa: S608
        f" LEFT JOIN ({scores}) s ON s.account_id = a.id WHERE a.workspace_id = %(ws)s AND a.is_target"
        " ORDER BY a.external_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(EXPORT_CHUNK):
            yield from rows


def last_engagement(workspace: Workspace, at: date, account_ids: Iterable[int]) -> dict[int, date]:
    """The last day up to `at` with engagement of each given target account, from the target-account days."""
    with workspace_scope(workspace):
        return dict(
            AccountDay.objects.filter(day__lte=at, account_id__in=list(account_ids))
            .values("account_id")
            .annotate(last=Max("day"))
            .values_list("account_id", "last")
        )


@dataclass(frozen=True)
class TargetAccounts:
    """The target accounts with their score at the end of `last_day`, highest first, then by name.

    `show` narrows them to those engaged from `first_day` to `last_day`, or to
    the MQAs. Sliced (as `Paginator` does) it reads one page with LIMIT and
    OFFSET; `count()` counts in SQL; `chunks()` reads it all, chunk by chunk.
    """

    workspace: Workspace
    first_day: date
    last_day: date
    show: str = "all"

    def _query(self, select: str, tail: str = "", **extra) -> tuple[str, dict]:
        scores, params = account_scores_sql(self.workspace, self.last_day, engaged_from=self.first_day)
        params.update(threshold=float(self.workspace.mqa_threshold), **extra)
        sql = (
            f"SELECT {select} FROM {Account._meta.db_table} a LEFT JOIN ({scores}) s ON s.account_id = a.id"  # noqa: S608
            f" WHERE a.workspace_id = %(ws)s AND a.is_target{SHOW_FILTERS[self.show]}{tail}"
        )
        return sql, params

    def _fetch(self, sql: str, params: dict) -> list[tuple]:
        with workspace_scope(self.workspace), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        return self._fetch(*self._query("COUNT(*)"))[0][0]

    def __getitem__(self, page: slice) -> list[dict]:
        offset = page.start or 0
        if page.stop <= offset:
            return []
        sql, params = self._query(
            "a.id, a.external_id, a.name, a.domain, COALESCE(s.score, 0.0)",
            " ORDER BY COALESCE(s.score, 0.0) DESC, a.name, a.id LIMIT %(limit)s OFFSET %(offset)s",
            limit=page.stop - offset,
            offset=offset,
        )
        threshold = float(self.workspace.mqa_threshold)
        return [
            {"id": pk, "external_id": external_id, "name": name, "domain": domain, "score": score,
             "is_mqa": score >= threshold}
            for pk, external_id, name, domain, score in self._fetch(sql, params)
        ]  # fmt: skip

    def chunks(self) -> Iterator[list[dict]]:
        """The whole list a chunk at a time (for exports), never all of it in memory."""
        offset = 0
        while chunk := self[offset : offset + EXPORT_CHUNK]:
            yield chunk
            offset += EXPORT_CHUNK
