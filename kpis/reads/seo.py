"""SEO levels (SeoStat): the latest backlinks and referring domains on or before a date (workspace-wide).

Levels are never summed: a period reads the latest row with date ≤ its last day, and for the gain the
latest with date < its first day. Each is one step down the (workspace, date) unique index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from campaigns.models import SeoStat
from kpis.reads.scope import Scope
from kpis.reads.spans import Period

LEVELS = ("backlinks", "referring_domains")


def _latest(**lookup: date) -> dict | None:
    return SeoStat.objects.filter(**lookup).order_by("-date").values("date", *LEVELS).first()


def _inputs(at_end: dict | None, before: dict | None) -> dict:
    return {
        "seo_backlinks": None if at_end is None else at_end["backlinks"],
        "seo_referring_domains": None if at_end is None else at_end["referring_domains"],
        "seo_backlinks_before": None if before is None else before["backlinks"],
    }


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    return _inputs(_latest(date__lte=last_day), _latest(date__lt=first_day))


def many(workspace, periods: Sequence[Period], scope: Scope) -> list[dict]:
    """The rows of the span (one a date at most) and the latest before it: two queries for any number of periods."""
    latest = _latest(date__lt=periods[0][0])
    rows = iter(
        SeoStat.objects.filter(date__range=(periods[0][0], periods[-1][1])).order_by("date").values("date", *LEVELS)
    )
    pending = next(rows, None)
    answers = []
    for _, last in periods:
        before = latest
        while pending is not None and pending["date"] <= last:
            latest, pending = pending, next(rows, None)
        answers.append(_inputs(latest, before))
    return answers
