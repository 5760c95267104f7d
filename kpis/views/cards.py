"""KPI cards: a value with its changes, progress against targets, formula components and drill-down."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import Workspace
from campaigns.models import TouchpointKind
from kpis import display
from kpis.catalog import KPIS, Kpi
from kpis.targets import Progress, progress_against
from kpis.views.state import DashboardState, local_today


@dataclass
class Card:
    name: str
    info: Kpi
    value: object
    text: str
    vs_previous: display.Change
    vs_last_year: display.Change | None
    progress: Progress | None
    components: list[tuple[str, str]]
    drill_url: str | None = None
    null_reason: str = ""
    currency: str = "USD"
    # An upper bound, not an exact count (daily web stats contribute): the page says "at most".
    approximate: bool = False
    # The card's figure: `text` (exact, as tables show it) with large amounts compacted ($186.2k).
    card_text: str = ""

    @property
    def target_text(self) -> str:
        progress = self.progress
        if progress is None:
            return ""
        if progress.projected is not None:
            sentence = target_sentence(self.name, self.value, progress, self.currency, self.today, self.range_first)
            return sentence.rsplit(" · ", 1)[0]
        target = display.format_kpi(self.name, progress.target_for_range, self.currency)
        if progress.target_total is not None:
            total = display.format_kpi(self.name, progress.target_total, self.currency)
            if total == target:
                return f"Target {target}"
            return f"Target {target} for this range, of {total} for the target period"
        return f"Target {'≥' if self.info.higher_is_better else '≤'} {target}"

    @property
    def pace_text(self) -> str:
        progress = self.progress
        if progress is None or progress.attainment is None:
            return ""
        if progress.projected is not None:
            pace = f"on pace for {display.format_kpi(self.name, progress.projected, self.currency)}"
            return " · ".join([pace, *progress.notes])
        if progress.target_total is not None:
            text = f"{display.format_percent(progress.attainment)} of the pace"
        elif self.value is None or progress.target_for_range in (None, 0):
            text = ""
        else:
            # Levels and ceilings: how far the actual is from the target, in its own terms.
            gap = float((Decimal(str(self.value)) - progress.target_for_range) / abs(progress.target_for_range))
            if (gap <= 0) if not self.info.higher_is_better else (gap >= 0):
                text = "target met"
            else:
                text = f"{display.format_percent(abs(gap))} {'over' if gap > 0 else 'under'} target"
        return " · ".join([text, *progress.notes]) if text else "; ".join(progress.notes)

    comparison_label: str = ""
    today: date | None = None  # the workspace's local date: "this month"
    range_first: date | None = None  # the range's first day: its actual is "so far" only from a target's start
    # A headline card's trend (SVG polyline points) and the same in words.
    sparkline: str = ""
    sparkline_label: str = ""

    def partial_context(self, *, compact: bool = False, id_suffix: object = "") -> dict:
        """What `kpis/_card.html` shows, as plain values: a page renders dozens of cards, and the template
        engine reads a dict key far faster than an attribute, a property or a nested object."""
        return {
            "name": self.name,
            "value": self.value,
            "dom_id": f"kpi-{self.name}{id_suffix}",
            "compact": compact,
            "label": self.info.label,
            "text": self.card_text or self.text,
            "exact": self.text,
            "link": self.drill_url if self.value else None,
            "vs_previous": _change_context(self.vs_previous, self.comparison_label),
            "vs_last_year": _change_context(self.vs_last_year) if self.vs_last_year else None,
            "progress": _progress_context(self) if self.progress else None,
            "formula": self.info.formula,
            "components": self.components,
            "null_reason": self.null_reason,
            "approximate": self.approximate,
            "sparkline": self.sparkline,
            "sparkline_label": self.sparkline_label,
        }


def target_periods_text(periods: tuple, today=None) -> str:
    """ "this month", "in Q4 2026", "in Nov – Dec 2026": the target periods a sentence speaks of."""
    if not periods:
        return ""
    first, last = periods[0].first, periods[-1].last
    days = periods[0].days
    kind = "month" if days <= 31 else "quarter" if days <= 92 else "year"
    if len(periods) == 1:
        if today is not None and first <= today <= last:
            return f"this {kind}"
        return "in " + display.format_day(first, kind if kind != "month" else "month")
    return "in " + display.format_period(first, last)


def target_sentence(name: str, actual, progress: Progress, currency: str, today=None, range_first=None) -> str:
    """ "600 leads this month · 44 so far · on pace for 510": the target, the actual, where the pace leads.

    The actual is the range's: "so far" only when the range starts with the target's period (or is not
    given); a range that starts elsewhere (the last 30 days across two months) says "in this range".
    """
    label = KPIS[name].label
    label = label if label.isupper() or label[1:2].isupper() else label.lower()
    total = display.format_kpi(name, progress.target_total, currency)
    actual_text = display.format_kpi(name, actual, currency)
    pace = display.format_kpi(name, progress.projected, currency)
    when = target_periods_text(progress.target_periods, today)
    periods = progress.target_periods
    from_start = range_first is None or (len(periods) == 1 and periods[0].first == range_first)
    return f"{total} {label} {when} · {actual_text} {'so far' if from_start else 'in this range'} · on pace for {pace}"


def level_sentence(name: str, actual, level, currency: str) -> str:
    """ "at most €77.50 · €162.04 so far": a level target (a cost, a rate, ROI) and where the KPI stands."""
    bound = "at least" if KPIS[name].higher_is_better else "at most"
    return f"{bound} {display.format_kpi(name, level, currency)} · {display.format_kpi(name, actual, currency)} so far"


def _change_context(change: display.Change, against: str = "last year") -> dict:
    return {
        "tone": change.tone,
        "arrow": change.arrow,
        "text": change.text,
        "words": change.words,
        "nodata": change.direction == "nodata",
        "previous_text": change.previous_text,
        "against": against,
    }


def _progress_context(card: Card) -> dict:
    progress = card.progress
    return {
        "health": progress.health,
        "health_label": progress.health_label,
        "has_total": progress.target_total is not None,
        "percent": progress.progress_percent,
        "target_text": card.target_text,
        "pace_text": card.pace_text,
    }


DRILL_DOWNS = {
    "spend": ("kpis-records-spend", {}),
    "impressions": ("kpis-records-spend", {}),  # the spend entries they are summed from
    "clicks": ("kpis-records-spend", {}),
    "leads": ("kpis-records-leads", {"stage": "created"}),
    "mqls": ("kpis-records-leads", {"stage": "mql"}),
    "sqls": ("kpis-records-leads", {"stage": "sql"}),
    "sqos": ("kpis-records-leads", {"stage": "sqo"}),
    "deals_created": ("kpis-records-deals", {"status": "created"}),
    "deals_won": ("kpis-records-deals", {"status": "won"}),
    "deals_lost": ("kpis-records-deals", {"status": "lost"}),
    "open_deals": ("kpis-records-deals", {"status": "open"}),
    "new_customers": ("kpis-records-customers", {}),
    "target_accounts": ("kpis-abm", {"show": "all"}),
    "engaged_target_accounts": ("kpis-abm", {"show": "engaged"}),
    "mqas": ("kpis-abm", {"show": "mqa"}),
    "emails_sent": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.EMAIL_SENT}),
    "email_bounces": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.EMAIL_BOUNCE}),
    "page_views": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.PAGE_VIEW}),
    "content_downloads": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.CONTENT_DOWNLOAD}),
    "social_engagements": ("kpis-records-touchpoints", {"touchpoint": TouchpointKind.SOCIAL_ENGAGEMENT}),
}


def drill_url(name: str, workspace: Workspace, range_query: str) -> str | None:
    """The records behind a KPI over the range (`DashboardState.query`), if a list shows them."""
    if name not in DRILL_DOWNS:
        return None
    route, extra = DRILL_DOWNS[name]
    query = f"{range_query}&{urlencode(extra)}" if extra else range_query
    return f"{reverse(route, args=[workspace.slug])}?{query}"


def null_reason(name: str, values: dict, narrowed: bool) -> str:
    info = KPIS[name]
    if values.get(name) is not None:
        return ""
    if info.workspace_wide and narrowed:
        return "Workspace-wide: not defined for one campaign or channel."
    zero = [c for c in info.components if values.get(c) in (0, Decimal(0))]
    if zero:
        return f"Not defined: {KPIS[zero[-1]].label.lower()} is 0 in this period."
    return "Not defined for this period (a ratio whose denominator is 0)."


class CardBuilder:
    """The cards of one page over the same figures: each value and each change is formatted once.

    A page shows a figure several times (a card's value, a component of other
    cards, the same KPI in the headline and in a panel), and formatting is most
    of what building a card costs.
    """

    def __init__(
        self,
        values: dict,
        previous: dict,
        workspace: Workspace,
        state: DashboardState,
        targets: dict,
        *,
        drill: bool = True,
    ) -> None:
        self.values, self.previous, self.targets = values, previous, targets
        self.workspace, self.state, self.currency = workspace, state, workspace.currency
        self.range_query = state.query() if drill else None  # the page's state travels with it
        self._texts: dict[str, str] = {}
        self._changes: dict[str, display.Change] = {}
        # A comparison period without any activity says so, rather than "up from 0" on every card.
        self.comparable = display.has_data(previous) is not False
        self.comparison_label = state.comparison_label
        self.today = local_today(workspace)

    def text(self, name: str) -> str:
        """The exact figure, as in tables and the "How is this calculated?" components."""
        if name not in self._texts:
            self._texts[name] = display.format_kpi(name, self.values.get(name), self.currency)
        return self._texts[name]

    def compact_text(self, name: str) -> str:
        """A card's figure: large amounts compacted ($186.2k)."""
        return display.format_kpi(name, self.values.get(name), self.currency, compact=True)

    def vs_previous(self, name: str) -> display.Change:
        if name not in self._changes:
            self._changes[name] = display.change(
                name, self.values.get(name), self.previous.get(name), self.currency, comparable=self.comparable
            )
        return self._changes[name]

    def cards(self, names: Iterable[str], last_year: dict | None = None) -> list[Card]:
        """A card per KPI of `names`; compared with `last_year`'s figures too when given."""
        return [self.card(name, last_year) for name in names]

    def card(self, name: str, last_year: dict | None = None) -> Card:
        info, value = KPIS[name], self.values.get(name)
        return Card(
            name=name,
            info=info,
            value=value,
            text=self.text(name),
            card_text=self.compact_text(name),
            comparison_label=self.comparison_label,
            today=self.today,
            range_first=self.state.period.first,
            vs_previous=self.vs_previous(name),
            vs_last_year=display.change(name, value, last_year.get(name), self.currency)
            if last_year is not None
            else None,
            progress=progress_against(name, value, self.state.period, self.targets.get(name, [])),
            components=[(KPIS[c].label, self.text(c)) for c in info.components],
            drill_url=drill_url(name, self.workspace, self.range_query) if self.range_query is not None else None,
            null_reason=null_reason(name, self.values, self.state.narrowed),
            currency=self.currency,
            approximate=value is not None and name in getattr(self.values, "approximate", ()),
        )


def build_cards(
    names,
    values: dict,
    previous: dict,
    last_year: dict | None,
    workspace: Workspace,
    state: DashboardState,
    targets: dict,
    *,
    drill: bool = True,
) -> list[Card]:
    return CardBuilder(values, previous, workspace, state, targets, drill=drill).cards(names, last_year)
