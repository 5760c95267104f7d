"""Top pages of a range: each normalised URL's page views, entries, exits and exit rate (docs/kpis.md).

Sums of `PageDay` rows over the range's days (index: workspace, day, campaign), grouped by URL in the
database; only the page of rows asked for comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, F, FloatField, QuerySet, Sum, Value, When
from django.db.models.functions import Cast

from kpis.models import PageDay
from kpis.reads.scope import Scope

# Sort key → the aggregate it orders by; ties always by URL, so a page of rows is stable.
SORTS = ("page_views", "entries", "exits", "exit_rate", "url")


@dataclass(frozen=True)
class PageRow:
    url: str
    page_views: int
    entries: int
    exits: int

    @property
    def exit_rate(self) -> float | None:
        """exits ÷ page views; None for no page view."""
        return self.exits / self.page_views if self.page_views else None


def _grouped(first_day: date, last_day: date, scope: Scope) -> QuerySet:
    return (
        PageDay.objects.filter(scope.q("campaign_id"), day__range=(first_day, last_day))
        .values("url")
        .annotate(views=Sum("page_views"), entered=Sum("entries"), exited=Sum("exits"))
    )


def page_count(first_day: date, last_day: date, scope: Scope) -> int:
    """How many distinct pages had a page view counted in the range."""
    return _grouped(first_day, last_day, scope).count()


def top_pages(
    first_day: date,
    last_day: date,
    scope: Scope,
    *,
    sort: str = "page_views",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> list[PageRow]:
    """The pages of the range in `sort` order (then by URL), rows offset..offset+limit (all when limit is None)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    rate = Case(
        When(views__gt=0, then=Cast(F("exited"), FloatField()) / Cast(F("views"), FloatField())),
        default=Value(None, output_field=FloatField()),
    )
    rows = _grouped(first_day, last_day, scope).annotate(rate=rate)
    key = {"page_views": F("views"), "entries": F("entered"), "exits": F("exited"), "exit_rate": F("rate")}.get(sort)
    if key is None:
        ordering = [F("url").desc() if descending else F("url").asc()]
    else:
        ordering = [key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), F("url").asc()]
    rows = rows.order_by(*ordering)
    end = None if limit is None else offset + limit
    return [
        PageRow(url=r["url"], page_views=r["views"], entries=r["entered"], exits=r["exited"]) for r in rows[offset:end]
    ]
