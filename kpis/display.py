"""How KPIs read on a page: numbers, money, dates and changes in the workspace's locale (Babel, CLDR).

No arithmetic on periods (`kpis.periods`) and no target policy (`kpis.targets`): only how a value is
written. The numbers themselves come from `kpis.selectors`, exactly as the KPI API serves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton, get_datetime_format
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern

from accounts.formatting import current_locale
from campaigns.models import Channel
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


def format_money(value, currency: str, *, compact: bool = False, whole: bool = False) -> str:
    """Money in the locale; `compact` abbreviates from 10,000 ($186.2k); `whole` drops the cents."""
    if value is None:
        return NULL
    amount = Decimal(str(value))
    sign = "−" if amount < 0 else ""
    amount = abs(amount)
    places, suffix = (0 if currency in ZERO_DECIMAL_CURRENCIES or whole else 2), ""
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


# The formatting policy: cards compact large amounts ($186.2k, the exact figure in their title); tables
# write exact figures with thousands separators and no cents on large whole amounts ($186,200);
# exports write raw numbers (`kpis.views.exports.raw`).
LARGE_AMOUNT = Decimal(1000)


def format_table_value(value, kind: Kind | str, currency: str = "USD") -> str:
    """A figure in a table: exact and grouped (126,608); a large whole amount without its cents."""
    if value is None:
        return NULL
    if Kind(kind) == Kind.MONEY:
        amount = Decimal(str(value))
        return format_money(
            amount, currency, whole=abs(amount) >= LARGE_AMOUNT and amount == amount.to_integral_value()
        )
    return format_value(value, kind, currency)


def format_fraction(value: float | Decimal | None, places: int = 2) -> str:
    """A fractional count (attribution's deal credit) to at most `places` decimals: 1.5, 3, 0.33."""
    if value is None:
        return NULL
    rounded = _rounded(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), places)
    needed = next((p for p in range(places + 1) if rounded == rounded.quantize(Decimal(1).scaleb(-p))), places)
    return _grouped(rounded, needed)


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
    The tone (good / bad) follows whether higher is better for the KPI; the arrow
    and `words` say the same without colour.
    """

    fraction: float | None  # (current − previous) / |previous|, or current − previous for rates
    direction: str  # "up", "down", "flat", "none" (a null value), "nodata" (the comparison period has no data)
    tone: str  # "good", "bad", "neutral"
    previous_text: str
    points: bool = False
    from_zero: bool = False  # up or down from 0: no relative change

    @property
    def text(self) -> str:
        if self.direction == "nodata":
            return "no data to compare"
        if self.from_zero:
            return "from 0"
        if self.direction == "none" or self.fraction is None:
            return NULL
        if self.points:
            return f"{'+' if self.fraction > 0 else ''}{_grouped(Decimal(repr(self.fraction)) * 100, 1)} pts"
        return format_percent(self.fraction, signed=True)

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "flat": "■"}.get(self.direction, "")

    @property
    def words(self) -> str:
        """The direction and tone in words, for those who do not see the arrow or the colour."""
        moved = {"up": "up", "down": "down", "flat": "unchanged"}
        if self.direction not in moved:
            return self.text
        judged = {"good": ", better", "bad": ", worse"}.get(self.tone, "")
        amount = "" if self.direction == "flat" else f" {self.text.lstrip('+')}"
        return f"{moved[self.direction]}{amount}{judged}"


def has_data(values: dict) -> bool | None:
    """Whether a period's figures show any activity: an additive KPI (spend, leads…) other than 0.

    None when no additive KPI was read (nothing to tell by).
    """
    additive = [value for name, value in values.items() if name in KPIS and KPIS[name].additive]
    if not additive:
        return None
    return any(value not in (None, 0) for value in additive)


def change(name: str, current, previous, currency: str, *, comparable: bool = True) -> Change:
    """`current` against `previous`; `comparable` False when the comparison period has no data at all."""
    info = KPIS[name]
    previous_text = format_value(previous, info.kind, currency)
    if not comparable:
        return Change(None, "nodata", "neutral", previous_text)
    if current is None or previous is None:
        return Change(None, "none", "neutral", previous_text)
    current_d, previous_d = Decimal(str(current)), Decimal(str(previous))
    if current_d == previous_d:
        return (
            Change(None, "none", "neutral", previous_text)
            if current_d == 0
            else Change(0.0, "flat", "neutral", previous_text)
        )
    direction = "up" if current_d > previous_d else "down"
    # Spend is a budget: more or less of it is neither good nor bad by itself.
    tone = "neutral" if info.paced else "good" if (direction == "up") == info.higher_is_better else "bad"
    if info.kind == Kind.RATE:
        return Change(float(current_d - previous_d), direction, tone, previous_text, points=True)
    if previous_d == 0:
        return Change(None, direction, tone, previous_text, from_zero=True)
    return Change(float((current_d - previous_d) / abs(previous_d)), direction, tone, previous_text)


# ---------------------------------------------------------------- sparklines and channels


def sparkline_points(values, width: int = 120, height: int = 32) -> str:
    """SVG polyline points for a series (nulls as 0); empty when there is nothing to draw."""
    numbers = [float(v) if v is not None else 0.0 for v in values]
    if len(numbers) < 2:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = width / (len(numbers) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(numbers))


def channel_label(channel: str) -> str:
    """A channel's label (campaigns.models.Channel); an unknown value readably."""
    try:
        return Channel(channel).label
    except ValueError:
        return channel.replace("_", " ").capitalize()
