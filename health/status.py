"""Data health: what each source sent, against its usual volume, and which ones went quiet.

Read from the daily intake counts (campaigns.IntakeDay, one row per workspace ×
source × resource × local day). Definitions (README "Data health"):

- *usual volume*: the median of the rows received per day over the days that had
  data among the 28 days before today (today excluded, still filling);
- *regular* source: one that sent on at least 7 of the 28 days up to its last
  arrival;
- *stale*: a regular source silent (no row received) for more than
  max(2, 3 × its median gap) days, the gap being the days between two
  consecutive days with data in those 28 days (a daily sender: more than 2 days).

Days are the workspace's local dates. `stream_health()` is the one-source entry
point (for alert rules to plug in); `workspace_health()` builds the page;
`stale_streams()` is the cross-workspace read of the overview and the digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from statistics import median

from django.db.models import Count, Max, Sum
from django.utils import timezone

from accounts.models import ApiKey, Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import ImportJob, IntakeDay
from campaigns.resources import RESOURCES
from tracking.models import SiteKey

USUAL_WINDOW_DAYS = 28
REGULAR_WINDOW_DAYS = 28
REGULAR_MIN_DAYS = 7
MIN_SILENCE_DAYS = 2
GAP_FACTOR = 3
# How far back the counts are read: a source silent for longer is no longer reported stale.
HISTORY_DAYS = 90
RECENT_DAYS = 7  # rejected rows and failed imports are shown for the last week


def usual_volume(daily: dict[date, int], today: date) -> float | None:
    """Median rows per day over the days with data among the 28 before `today`; None without any."""
    first = today - timedelta(days=USUAL_WINDOW_DAYS)
    values = [n for day, n in daily.items() if first <= day < today and n > 0]
    return float(median(values)) if values else None


def staleness(active_days: Iterable[date], today: date) -> tuple[bool, int | None, float | None]:
    """(stale, days silent, median gap) of a source from the local days it sent data on.

    Silent days are counted from the last day with data to today; a source that
    sent today is never stale. See the module for the rule.
    """
    days = sorted(set(d for d in active_days if d <= today))
    if not days:
        return False, None, None
    last = days[-1]
    silent = (today - last).days
    window = [d for d in days if d > last - timedelta(days=REGULAR_WINDOW_DAYS)]
    if len(window) < REGULAR_MIN_DAYS:
        return False, silent, None
    gap = float(median((b - a).days for a, b in pairwise(window)))
    return silent > max(MIN_SILENCE_DAYS, GAP_FACTOR * gap), silent, gap


@dataclass
class StreamHealth:
    """One source's data of one resource (or a resource's, all sources together)."""

    workspace_id: int
    resource: str
    source_kind: str = ""
    source_id: str = ""
    source_name: str = ""
    daily: dict[date, int] = field(default_factory=dict)
    rejected_recent: int = 0
    last_received_at: datetime | None = None
    today: date | None = None
    failed_imports: int = 0
    stale: bool = False
    days_silent: int | None = None
    median_gap: float | None = None
    usual: float | None = None

    @property
    def resource_label(self) -> str:
        resource = RESOURCES.get(self.resource)
        return resource.title if resource else self.resource

    @property
    def received_today(self) -> int:
        return self.daily.get(self.today, 0) if self.today else 0

    @property
    def today_vs_usual(self) -> float | None:
        """Today's rows as a share of the usual day (1.0 = as usual)."""
        return None if not self.usual else self.received_today / self.usual

    def finish(self, today: date) -> StreamHealth:
        self.today = today
        self.usual = usual_volume(self.daily, today)
        self.stale, self.days_silent, self.median_gap = staleness((d for d, n in self.daily.items() if n > 0), today)
        return self


def local_today(workspace: Workspace) -> date:
    return timezone.now().astimezone(workspace.tz).date()


def _source_names(workspace_ids: Sequence[int]) -> dict[tuple[str, str], str]:
    """The names of the API keys and site keys of these workspaces (two queries, a deliberate cross-workspace read)."""
    names = {
        (IntakeDay.SourceKind.API_KEY.value, str(pk)): f"API key “{name}” ({prefix}…)"
        for pk, name, prefix in ApiKey.objects.unscoped()
        .filter(workspace__in=workspace_ids)
        .values_list("pk", "name", "prefix")
    }
    names.update(
        {
            (IntakeDay.SourceKind.TRACKING.value, str(pk)): f"Tracking snippet “{name}”"
            for pk, name in SiteKey.objects.unscoped().filter(workspace__in=workspace_ids).values_list("pk", "name")
        }
    )
    return names


def _source_name(names: dict[tuple[str, str], str], kind: str, source_id: str) -> str:
    if kind == IntakeDay.SourceKind.IMPORT:
        return "CSV import"
    return names.get((kind, source_id), f"{IntakeDay.SourceKind(kind).label} (deleted)")


def _streams(workspaces: Sequence[Workspace], *, by_source: bool = True, names: bool = True) -> list[StreamHealth]:
    """Every stream of these workspaces over the last HISTORY_DAYS (one aggregate query + names)."""
    todays = {ws.pk: local_today(ws) for ws in workspaces}
    if not todays:
        return []
    first = min(todays.values()) - timedelta(days=HISTORY_DAYS)
    keys = ["workspace_id", "resource", *(["source_kind", "source_id"] if by_source else [])]
    # A deliberate cross-workspace read (the overview, the digest); grouped and summed in SQL.
    rows = (
        IntakeDay.objects.unscoped()
        .filter(workspace__in=list(todays), day__gte=first)
        .values(*keys, "day")
        .annotate(received=Sum("received"), rejected=Sum("rejected"), last=Max("last_received_at"))
        .order_by()
    )
    streams: dict[tuple, StreamHealth] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        stream = streams.get(key)
        if stream is None:
            stream = streams[key] = StreamHealth(
                workspace_id=row["workspace_id"],
                resource=row["resource"],
                source_kind=row.get("source_kind", ""),
                source_id=row.get("source_id", ""),
            )
        stream.daily[row["day"]] = row["received"]
        if row["day"] > todays[row["workspace_id"]] - timedelta(days=RECENT_DAYS):
            stream.rejected_recent += row["rejected"]
        if row["last"] and (stream.last_received_at is None or row["last"] > stream.last_received_at):
            stream.last_received_at = row["last"]
    if by_source and names:
        found = _source_names(list(todays))
        for stream in streams.values():
            stream.source_name = _source_name(found, stream.source_kind, stream.source_id)
    return [s.finish(todays[s.workspace_id]) for s in streams.values()]


def stale_streams(workspaces: Sequence[Workspace]) -> list[StreamHealth]:
    """The stale sources of these workspaces (per source and resource): three queries whatever their number."""
    return [s for s in _streams(workspaces) if s.stale]


def summary(workspace: Workspace) -> tuple[int, int]:
    """(sources × resources seen, how many of them are stale) for the dashboard's line: one query."""
    streams = _streams([workspace], names=False)
    return len(streams), sum(1 for s in streams if s.stale)


def stream_health(*, workspace: Workspace, resource: str, source_kind: str = "", source_id: str = "") -> StreamHealth:
    """One resource's health in a workspace, from one source or (no source given) all of them together.

    The entry point for alert rules on data health: `.stale`, `.days_silent`,
    `.received_today`, `.usual`, `.today_vs_usual`, `.rejected_recent`.
    """
    by_source = bool(source_kind)
    for stream in _streams([workspace], by_source=by_source):
        if stream.resource == resource and (
            not by_source or (stream.source_kind, stream.source_id) == (source_kind, source_id)
        ):
            return stream
    return StreamHealth(
        workspace_id=workspace.pk, resource=resource, source_kind=source_kind, source_id=source_id
    ).finish(local_today(workspace))


@dataclass
class SourcePanel:
    kind: str
    id: str
    name: str
    streams: list[StreamHealth]

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.streams)


@dataclass
class WorkspaceHealth:
    resources: list[StreamHealth]
    sources: list[SourcePanel]
    failed_imports: list[ImportJob]

    @property
    def is_empty(self) -> bool:
        return not self.resources and not self.failed_imports

    @property
    def stale_count(self) -> int:
        return sum(1 for panel in self.sources for s in panel.streams if s.stale)


def workspace_health(workspace: Workspace) -> WorkspaceHealth:
    """The health page's panels: per resource (all sources together) and per source."""
    today = local_today(workspace)
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    with workspace_scope(workspace):
        failed = list(
            ImportJob.objects.filter(status=ImportJob.Status.FAILED, created_at__gte=since)
            .only("pk", "resource", "filename", "error_count", "created_at", "finished_at")
            .order_by("-created_at")[:20]
        )
        failed_counts = dict(
            ImportJob.objects.filter(status=ImportJob.Status.FAILED, created_at__gte=since)
            .values_list("resource")
            .annotate(n=Count("pk"))
            .order_by()
        )
    per_source = _streams([workspace])
    per_resource = {s.resource: s for s in _streams([workspace], by_source=False)}
    for name, count in failed_counts.items():
        stream = per_resource.get(name)
        if stream is None:
            stream = per_resource[name] = StreamHealth(workspace_id=workspace.pk, resource=name).finish(today)
        stream.failed_imports = count
    # Stale per resource: when one of its sources is (a resource fed by two, one gone quiet).
    for stream in per_source:
        if stream.stale and stream.resource in per_resource:
            per_resource[stream.resource].stale = True
    order = list(RESOURCES)
    panels: dict[tuple[str, str], SourcePanel] = {}
    for stream in sorted(per_source, key=lambda s: order.index(s.resource) if s.resource in order else 99):
        key = (stream.source_kind, stream.source_id)
        panels.setdefault(
            key, SourcePanel(stream.source_kind, stream.source_id, stream.source_name, [])
        ).streams.append(stream)
    return WorkspaceHealth(
        resources=sorted(per_resource.values(), key=lambda s: order.index(s.resource) if s.resource in order else 99),
        sources=sorted(panels.values(), key=lambda p: (not p.stale, p.name)),
        failed_imports=failed,
    )
