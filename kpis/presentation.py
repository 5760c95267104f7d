"""How KPIs are shown: labels, formulas (KPI_SPEC.md), formatting, change, pacing and health.

Pure functions and constants: no database. The numbers themselves always come
from `kpis.selectors`, exactly as the KPI API serves them; this module only
decides how they read on a page.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton, get_datetime_format
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern

from accounts.formatting import current_locale
from campaigns.validation import MAX_YEAR, MIN_YEAR
from kpis.catalog import KPIS, Kind

NULL = "—"


ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF"}
COMPACT_STEPS = ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k"))


# ---------------------------------------------------------------- formatting
# In the workspace's number locale (accounts.formatting): CLDR's grouping, decimal mark and currency placement.
# A page formats a few hundred figures, so the locale, its patterns and currency symbols are parsed once per
# process (Babel's format_decimal and format_currency parse all three again on every call).


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=512)
def _pattern(locale: str, kind: str, places: int, suffix: str = "") -> NumberPattern:
    """The locale's decimal or currency pattern with exactly `places` fraction digits, `suffix` after the digits."""
    formats = _locale(locale)
    base = (formats.currency_formats["standard"] if kind == "currency" else formats.decimal_formats[None]).pattern
    base = base.split(";")[0]
    digits = re.search(r"[#0,.]+", base).group()
    replacement = digits.split(".")[0] + ("." + "0" * places if places else "") + (f"'{suffix}'" if suffix else "")
    return parse_pattern(base.replace(digits, replacement, 1))


@lru_cache(maxsize=256)
def _currency_symbol(currency: str, locale: str) -> str:
    return get_currency_symbol(currency, locale)


def _rounded(value: Decimal, places: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # no "−0.0"


def _grouped(value: Decimal, places: int) -> str:
    locale = current_locale()
    return _pattern(locale, "decimal", places).apply(_rounded(value, places), _locale(locale)).replace("-", "−")


def format_money(value, currency: str, *, compact: bool = False) -> str:
    if value is None:
        return NULL
    amount = Decimal(str(value))
    sign = "−" if amount < 0 else ""
    amount = abs(amount)
    places, suffix = (0 if currency in ZERO_DECIMAL_CURRENCIES else 2), ""
    if compact and amount >= 10_000:
        threshold, suffix = next((t, s) for t, s in COMPACT_STEPS if amount >= t)
        amount, places = amount / threshold, 1
    locale = current_locale()
    pattern = _pattern(locale, "currency", places, suffix)
    text = pattern.apply(_rounded(amount, places), _locale(locale), currency=currency, currency_digits=False)
    return sign + _currency_spaced(text, _currency_symbol(currency, locale))


def _currency_spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol ending in a letter stands apart from digits."""
    if symbol[-1:].isalpha():
        text = re.sub(rf"({re.escape(symbol)})(?=\d)", "\\1\u00a0", text)
    if symbol[:1].isalpha():
        text = re.sub(rf"(?<=[\dkMB])({re.escape(symbol)})", "\u00a0\\1", text)
    return text


def format_value(value, kind: Kind | str, currency: str = "USD", *, compact: bool = False) -> str:
    """A KPI value as text; null is "—"."""
    if value is None:
        return NULL
    kind = Kind(kind)
    if kind == Kind.MONEY:
        return format_money(value, currency, compact=compact)
    if kind == Kind.MONEY_PER_DAY:
        return f"{format_money(value, currency, compact=compact)}/day"
    if kind == Kind.COUNT:
        return _grouped(Decimal(str(value)), 0)
    if kind == Kind.RATE:
        return f"{_grouped(Decimal(str(value)) * 100, 1)} %"
    if kind == Kind.DAYS:
        return f"{_grouped(Decimal(str(value)), 1)} days"
    return _grouped(Decimal(str(value)), 2)


def format_number(value: float | Decimal | None, places: int) -> str:
    """A plain number (an engagement score, the MQA threshold) to `places` decimals; null is "—"."""
    return NULL if value is None else _grouped(Decimal(str(value)), places)


def format_kpi(name: str, value, currency: str, *, compact: bool = False) -> str:
    return format_value(value, KPIS[name].kind, currency, compact=compact)


def format_percent(fraction: float | None, *, signed: bool = False) -> str:
    if fraction is None:
        return NULL
    text = _grouped(Decimal(str(fraction)) * 100, 1)
    if signed and fraction > 0:
        text = "+" + text
    return text + " %"


# ---------------------------------------------------------------- dates
# In the same locale as the numbers, from CLDR: "2. Dez. 2026" in de_DE. English keeps the house style the
# pages always had ("2 Dec 2026", "3 Nov – 2 Dec 2026"), which no single CLDR English locale gives.

DATE_SKELETONS = {
    "date": "yMMMd",
    "day_month": "MMMd",
    "month": "yMMM",
    "weekday": "yMMMEd",
    "quarter": "yQQQ",
    "year": "y",
}
ENGLISH_DATE_PATTERNS = {
    "date": "d MMM y",
    "day_month": "d MMM",
    "month": "MMM y",
    "weekday": "EEE d MMM y",
    "quarter": "QQQ y",
    "year": "y",
}


def _is_english(locale: str) -> bool:
    return locale.split("_")[0] == "en"


def format_day(day: date | None, style: str = "date") -> str:
    """A day in the workspace's locale, as `style`: date (2 Dec 2026), day_month, month, weekday, quarter (Q4 2026)
    or year; None is ""."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.date()  # already in the time zone it is read in (the template filter sees to it)
    locale = current_locale()
    if _is_english(locale):
        return format_date(day, ENGLISH_DATE_PATTERNS[style], locale="en")
    return format_skeleton(DATE_SKELETONS[style], day, locale=locale)


def format_zone(moment: datetime | None) -> str:
    """The name of the time zone `moment` is in, at that moment: "CET", "EST"; "UTC−03" where the
    zone has no abbreviation (tz names some zones by their offset only: "-03")."""
    if moment is None:
        return ""
    name = moment.tzname() or ""
    if name[:1] in ("+", "-"):
        return f"UTC{name.replace('-', '−')}"
    return name


def format_moment(moment: datetime | None, style: str = "") -> str:
    """A date and time to the minute in the workspace's locale (2 Dec 2026 14:03), with its zone's name
    when `style` is "zone" (2 Dec 2026 14:03 CET); None is ""."""
    if moment is None:
        return ""
    zone = f" {format_zone(moment)}" if style == "zone" else ""
    locale = current_locale()
    if _is_english(locale):
        return format_datetime(moment, f"{ENGLISH_DATE_PATTERNS['date']} HH:mm", locale="en") + zone
    time_text = format_skeleton("Hm", moment, locale=locale)
    moment_text = get_datetime_format("medium", locale=locale).replace("{1}", format_day(moment))
    return moment_text.replace("{0}", time_text) + zone


def format_period(first: date, last: date) -> str:
    """A range of days in the workspace's locale: "3 Nov – 2 Dec 2026", "3. Nov. – 2. Dez. 2026"."""
    if first == last:
        return format_day(first)
    locale = current_locale()
    if _is_english(locale):
        return f"{format_day(first, 'day_month' if first.year == last.year else 'date')} – {format_day(last)}"
    return format_interval(first, last, DATE_SKELETONS["date"], locale=locale)


def format_period_start(start: date, grain: str) -> str:
    """A chart's label for the day, week ("w/c 2 Dec") or month starting on `start`."""
    if grain == "month":
        return format_day(start, "month")
    text = format_day(start, "day_month")
    return f"w/c {text}" if grain == "week" else text


# ---------------------------------------------------------------- change


@dataclass(frozen=True)
class Change:
    """The change of a KPI against a comparison period.

    Relative (+12.5 %) for amounts and counts; in percentage points (+1.2 pts)
    for rates, whose relative change reads wrongly (an ROI from −90 % to −80 %).
    """

    fraction: float | None  # (current − previous) / |previous|, or current − previous for rates
    direction: str  # "up", "down", "flat", "none" (nothing to compare), "new" (from 0)
    tone: str  # "good", "bad", "neutral"
    previous_text: str
    points: bool = False

    @property
    def text(self) -> str:
        if self.direction == "new":
            return "new"
        if self.direction == "none" or self.fraction is None:
            return NULL
        if self.points:
            return f"{'+' if self.fraction > 0 else ''}{_grouped(Decimal(repr(self.fraction)) * 100, 1)} pts"
        return format_percent(self.fraction, signed=True)

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "new": "▲", "flat": "■"}.get(self.direction, "")


def change(name: str, current, previous, currency: str) -> Change:
    info = KPIS[name]
    previous_text = format_value(previous, info.kind, currency)
    if current is None or previous is None:
        return Change(None, "none", "neutral", previous_text)
    current_d, previous_d = Decimal(str(current)), Decimal(str(previous))
    if current_d == previous_d:
        if current_d == 0:
            return Change(None, "none", "neutral", previous_text)
        return Change(0.0, "flat", "neutral", previous_text)
    direction = "up" if current_d > previous_d else "down"
    # Spend is a budget: more or less of it is neither good nor bad by itself.
    tone = "neutral" if info.paced else "good" if (direction == "up") == info.higher_is_better else "bad"
    if info.kind == Kind.RATE:
        return Change(float(current_d - previous_d), direction, tone, previous_text, points=True)
    if previous_d == 0:
        return Change(None, "new", tone, previous_text)
    return Change(float((current_d - previous_d) / abs(previous_d)), direction, tone, previous_text)


# ---------------------------------------------------------------- periods

# The dates a page or the API may ask about: the years ingestion accepts
# (campaigns.validation), so a query can reach every stored row and nothing
# more. What a page derives from a period (the previous period, last year,
# sparkline and score windows: a few years at most) then stays far inside
# the years Python's dates and the databases hold.
FIRST_DAY, LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
DATES_MESSAGE = f"Dates must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def supported_day(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def last_year(self) -> Period:
        return Period(shift_years(self.first, -1), shift_years(self.last, -1))

    def overlap_days(self, other: Period) -> int:
        first, last = max(self.first, other.first), min(self.last, other.last)
        return max(0, (last - first).days + 1)

    def label(self) -> str:
        return format_period(self.first, self.last)


def shift_years(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


PRESETS = {
    "last_7": "Last 7 days",
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "ytd": "Year to date",
    "custom": "Custom",
}
DEFAULT_PRESET = "last_30"
GRAINS = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
MAX_RANGE_DAYS = 3 * 366


def preset_period(preset: str, today: date) -> Period:
    """The dates of a preset; every preset ends today except last month."""
    if preset == "last_7":
        return Period(today - timedelta(days=6), today)
    if preset == "last_90":
        return Period(today - timedelta(days=89), today)
    if preset == "this_month":
        return Period(month_start(today), today)
    if preset == "last_month":
        last = month_start(today) - timedelta(days=1)
        return Period(month_start(last), last)
    if preset == "this_quarter":
        return Period(quarter_start(today), today)
    if preset == "ytd":
        return Period(date(today.year, 1, 1), today)
    return Period(today - timedelta(days=29), today)


def default_grain(period: Period) -> str:
    if period.days <= 45:
        return "day"
    if period.days <= 200:
        return "week"
    return "month"


# ---------------------------------------------------------------- targets, pacing, health


class Health(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


HEALTH_LABELS = {Health.GREEN: "On track", Health.AMBER: "At risk", Health.RED: "Off track", Health.NONE: "No target"}
# On pace from 100 %, at risk from 90 % of the pace (or up to 10 % over a cost ceiling).
AMBER_FROM = 0.9


@dataclass(frozen=True)
class TargetPeriodValue:
    """One target as the progress maths needs it: its period and its value."""

    period: Period
    value: Decimal


@dataclass
class Progress:
    name: str
    target_for_range: Decimal | None  # prorated for additive KPIs, the level for the others
    target_total: Decimal | None  # the full value of the target periods the range touches (additive only)
    attainment: float | None  # actual ÷ target for the range (inverted for "lower is better"): 1.0 = on pace
    progress: float | None  # actual ÷ target_total (additive only)
    health: Health
    notes: list[str] = field(default_factory=list)

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS[self.health]

    @property
    def progress_percent(self) -> float:
        return max(0.0, min(100.0, (self.progress or 0.0) * 100))


def _health(attainment: float | None, *, paced: bool = False) -> Health:
    if attainment is None:
        return Health.NONE
    if paced:
        off = abs(attainment - 1)
        return Health.GREEN if off <= 1 - AMBER_FROM else Health.AMBER if off <= 2 * (1 - AMBER_FROM) else Health.RED
    if attainment >= 1:
        return Health.GREEN
    if attainment >= AMBER_FROM:
        return Health.AMBER
    return Health.RED


def _one_family(targets: list[TargetPeriodValue], period: Period) -> list[TargetPeriodValue]:
    """The targets of one period length (months, quarters or years) that cover the range best.

    A month's and a quarter's target for the same KPI overlap: adding both
    would double the ask, so one family is used (the finer on a tie).
    """
    families: dict[int, list[TargetPeriodValue]] = {}
    for target in targets:
        families.setdefault(target.period.days // 28, []).append(target)
    return max(
        families.values(),
        key=lambda family: (sum(t.period.overlap_days(period) for t in family), -family[0].period.days),
    )


def progress_against(name: str, actual, period: Period, targets: list[TargetPeriodValue]) -> Progress | None:
    """Progress of a KPI over `period` against the targets whose periods overlap it.

    Additive KPIs (spend, leads…) prorate each target by the days the range
    shares with the target's period, so a month's target read on the first ten
    days of the month asks for a third of it: attainment is then the pace.
    Days of the range that no target covers are asked the covered days' daily
    rate (said in `notes`). Budget-like KPIs (spend) are on track within 10 %
    of the pace either way. Level KPIs (CPL, ROI, rates) compare with the
    target of the period that overlaps most; "lower is better" KPIs (costs)
    are on track at or below it.
    """
    overlapping = [t for t in targets if t.period.overlap_days(period)]
    if not overlapping:
        return None
    info = KPIS[name]
    notes: list[str] = []
    if info.additive:
        family = _one_family(overlapping, period)
        covered = sum(t.period.overlap_days(period) for t in family)
        target_for_range = sum((t.value * t.period.overlap_days(period) / t.period.days for t in family), Decimal(0))
        if covered < period.days:
            target_for_range = target_for_range * period.days / covered
            notes.append(f"{period.days - covered} of the {period.days} days have no target: asked the same daily rate")
        target_total = sum((t.value for t in family), Decimal(0))
        actual_d = Decimal(str(actual)) if actual is not None else None
        attainment = float(actual_d / target_for_range) if actual_d is not None and target_for_range else None
        if not info.higher_is_better and attainment:
            attainment = 1 / attainment
        progress = float(actual_d / target_total) if actual_d is not None and target_total else None
        health = _health(attainment, paced=info.paced)
        return Progress(name, target_for_range, target_total, attainment, progress, health, notes)
    best = max(overlapping, key=lambda t: (t.period.overlap_days(period), -t.period.days, t.period.first))
    level = best.value
    attainment: float | None = None
    if actual is not None:
        actual_d = Decimal(str(actual))
        if info.higher_is_better:
            # A target of 0 or below (an ROI of −10 %…) is met or not: there is no ratio to take.
            attainment = float(actual_d / level) if level > 0 else float(actual_d >= level)
        else:
            attainment = float(level / actual_d) if actual_d > 0 else 1.0
    return Progress(name, level, None, attainment, None, _health(attainment), notes)


def worst_health(healths) -> Health:
    present = [h for h in healths if h != Health.NONE]
    if not present:
        return Health.NONE
    order = [Health.RED, Health.AMBER, Health.GREEN]
    return min(present, key=order.index)


# ---------------------------------------------------------------- sparklines


def sparkline_windows(period: Period, points: int = 8) -> list[Period]:
    """`points` equal windows ending on the period's last day, oldest first.

    Equal widths keep the line honest (clipped calendar weeks at both ends of a
    range would dip for no reason), and a fixed count keeps the number of reads
    independent of the range's length; short ranges look a little further back.
    """
    width = max(1, -(-period.days // points))
    return [
        Period(period.last - timedelta(days=width * (i + 1) - 1), period.last - timedelta(days=width * i))
        for i in reversed(range(points))
    ]


def sparkline_points(values, width: int = 120, height: int = 32) -> str:
    """SVG polyline points for a series (nulls as 0); empty when there is nothing to draw."""
    numbers = [float(v) if v is not None else 0.0 for v in values]
    if len(numbers) < 2:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = width / (len(numbers) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(numbers))


# ---------------------------------------------------------------- the range picker's state


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _custom_period(raw_from: str | None, raw_to: str | None) -> tuple[Period | None, str | None]:
    """A custom range's period (None when its dates are unreadable or unsupported), and what was wrong with it."""
    first, last = _parse_day(raw_from), _parse_day(raw_to)
    if first is None or last is None:
        return None, "Choose both dates of a custom range (YYYY-MM-DD)."
    if not (supported_day(first) and supported_day(last)):
        return None, f"{DATES_MESSAGE}: showing the {PRESETS[DEFAULT_PRESET].lower()}."
    if first > last:
        return Period(last, first), "The custom range ends before it starts: the dates were swapped."
    return Period(first, last), None


def parse_range(params, today: date) -> tuple[str, Period, str, list[str]]:
    """(preset, period, grain, errors) from a query string; bad input falls back to the default with a message."""
    errors: list[str] = []
    preset = params.get("range") or ""
    raw_from, raw_to = params.get("from"), params.get("to")
    if preset not in PRESETS:
        if preset:
            errors.append(f"Unknown range “{preset}”: showing the {PRESETS[DEFAULT_PRESET].lower()}.")
        preset = "custom" if (raw_from or raw_to) and not preset else DEFAULT_PRESET
    period = preset_period(preset, today)
    if preset == "custom":
        custom, error = _custom_period(raw_from, raw_to)
        if error:
            errors.append(error)
        if custom is None:
            preset = DEFAULT_PRESET
        period = custom or preset_period(preset, today)
        if period.days > MAX_RANGE_DAYS:
            errors.append(f"A range can span at most {MAX_RANGE_DAYS} days: it was shortened.")
            period = Period(period.last - timedelta(days=MAX_RANGE_DAYS - 1), period.last)
    grain = params.get("grain") or ""
    if grain not in GRAINS:
        if grain:
            errors.append(f"Unknown grain “{grain}”.")
        grain = default_grain(period)
    return preset, period, grain, errors


MAX_POINTS = 120


def chart_grain(period: Period, grain: str) -> str:
    """The grain actually drawn: coarser when the chosen one would give too many points."""
    order = list(GRAINS)
    points = {"day": period.days, "week": period.days / 7 + 1, "month": period.days / 28 + 1}
    while points[grain] > MAX_POINTS and grain != "month":
        grain = order[order.index(grain) + 1]
    return grain


CHANNEL_LABELS = {
    "email": "Email",
    "paid_search": "Paid search",
    "paid_social": "Paid social",
    "organic_social": "Organic social",
    "seo": "SEO",
    "display": "Display",
    "events": "Events",
    "webinar": "Webinar",
    "content": "Content",
    "referral": "Referral",
    "abm": "ABM",
    "other": "Other",
}


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel.replace("_", " ").capitalize())
