"""CSV import in the browser: read the file, map its columns, check every row, then write all or nothing.

A marketer's export from another tool is turned into the objects the ingestion
API takes, then checked by the API's own row specs (campaigns.validation) and
written by the API's own services (campaigns.services), so a CSV and the API
accept exactly the same data.

Two passes over the stored file, in bounded batches of the API's batch size:

1. *check*: convert each row (dates in the chosen format, money like
   "$1,234.50", yes/no…), validate it, look its references up, and find keys
   repeated in the file. Progress is committed after every batch, so the page
   can show it. Errors carry the row number as a spreadsheet shows it (the
   header is row 1) and the column's name in the file.
2. *write*: only when no row has an error, every batch goes through the upsert
   service inside one transaction, so the file is imported whole or not at all.

Columns left unmapped keep their current values on objects that already exist
(a CSV is usually a partial export); a mapped column replaces them, a blank
cell clearing an optional field.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import DatabaseError, models, transaction
from django.utils import timezone as django_timezone

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.tenancy import workspace_scope
from campaigns import export_files, import_presets, import_undo, intake, mappings, resources, selectors, services
from campaigns.export_files import normalise_header
from campaigns.models import ImportJob
from campaigns.validation import MAX_BATCH, MAX_YEAR, MIN_YEAR, FieldSpec, Invalid, RowError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Files with more data rows than this are imported by a Celery task, with a progress bar.
ASYNC_THRESHOLD_ROWS = 2000
BATCH_SIZE = MAX_BATCH
PREVIEW_ROWS = 10
MAX_ERRORS_KEPT = 200
# The longest cell (column names included) read: the longest field a file fills is a 2,000-character URL.
# A longer cell is refused before any parsing, so no parser ever sees more than this.
MAX_CELL_CHARS = 2000
# The most digits a whole number may have (a bigint has 19), so int() never converts a huge string.
MAX_INTEGER_DIGITS = 19
# The lines not read as data (titles, totals, footers) listed on the preview; the count says how many in all.
MAX_SKIPPED_SHOWN = 50

DATE_FORMATS = {
    "": "Not chosen: only unambiguous dates",
    "iso": "YYYY-MM-DD (ISO)",
    "mdy": "MM/DD/YYYY (US)",
    "dmy": "DD/MM/YYYY",
}


class ImportRefused(Exception):
    """The file as a whole cannot be imported (not CSV, too big, no header…)."""


# ---------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class CsvFile:
    text: str
    delimiter: str
    headers: list[str]
    total_rows: int
    header_line: int = 1


def decode(raw: bytes) -> str:
    """The file's text, whatever encoding the tool wrote (see export_files.decode)."""
    try:
        return export_files.decode(raw)
    except export_files.FileUnreadable as exc:
        raise ImportRefused(str(exc)) from None


def layout(text: str, delimiters: Sequence[str] = export_files.DELIMITERS) -> export_files.Layout:
    """Where the header is: the line among the first ones naming the most columns any resource or preset knows."""
    try:
        return export_files.find_layout(text, import_presets.known_columns(), delimiters)
    except export_files.FileUnreadable as exc:
        raise ImportRefused(str(exc)) from None


def lines(text: str, delimiter: str) -> Iterator[tuple[int, list[str], str | None]]:
    """(line number, cells, why it is skipped) of every line below the header; None for data, "" for blank.

    Lines are numbered as a spreadsheet numbers rows, from the file's first line:
    a quoted cell spanning several lines is still one row.
    """
    found = layout(text, (delimiter,))
    sorter = export_files.LineSorter(found.header, import_presets.known_columns())
    number = 0
    try:
        for number, cells in enumerate(export_files.reader(text, delimiter), start=1):
            if number > found.header_line:
                yield number, cells, sorter.reason(cells)
    except csv.Error as exc:
        raise ImportRefused(f"Line {number + 1}: the file cannot be read as CSV ({exc}).") from None


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every data row: lines above the header, blank, totals and footer lines left out."""
    for number, cells, reason in lines(text, delimiter):
        if reason is None:
            yield number, cells


def skipped_lines(text: str, delimiter: str, limit: int = MAX_SKIPPED_SHOWN) -> tuple[list[dict[str, Any]], int]:
    """The non-blank lines that are not data (title, comment, totals, footer, another header), the first `limit`."""
    shown = [s.as_json() for s in layout(text, (delimiter,)).before]
    count = len(shown)
    for number, cells, reason in lines(text, delimiter):
        if reason:
            count += 1
            if len(shown) < limit:
                first = next(c.strip() for c in cells if c.strip())
                shown.append(export_files.Skipped(number, first, reason).as_json())
    return shown[:limit], count


def read_csv(raw: bytes) -> CsvFile:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ImportRefused(size_refusal(len(raw)))
    text = decode(raw)
    if not text.strip():
        raise ImportRefused("The file is empty.")
    found = layout(text)
    first = found.header
    line = found.header_line
    if not any(h.strip() for h in first):
        raise ImportRefused(f"Line {line} must hold the column names, and it is empty.")
    headers = [h.strip() or f"Column {i + 1}" for i, h in enumerate(first)]
    for index, header in enumerate(headers):
        if len(header) > MAX_CELL_CHARS:
            raise ImportRefused(
                f"Line {line} must hold the column names, and column {index + 1} has {len(header):,} characters "
                f"(at most {MAX_CELL_CHARS:,})."
            )
    total = sum(1 for _ in records(text, found.delimiter))
    if total == 0:
        raise ImportRefused("The file has column names but no data rows.")
    return CsvFile(text=text, delimiter=found.delimiter, headers=headers, total_rows=total, header_line=line)


def size_refusal(size: int) -> str:
    return (
        f"The file is {size / 1048576:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1048576} MB. "
        "Split it into smaller files, or push the data through the API."
    )


# ---------------------------------------------------------------- column mapping


def resource_fields(resource: str) -> tuple[FieldSpec, ...]:
    return resources.RESOURCES[resource].fields


def auto_mapping(resource: str, headers: Sequence[str]) -> list[str]:
    """The field each column fills, by its name or a common synonym; each field at most once."""
    lookup: dict[str, str] = {}
    for spec in resource_fields(resource):
        lookup.setdefault(normalise_header(spec.name), spec.name)
    for name, synonyms in resources.RESOURCES[resource].synonyms.items():
        for synonym in synonyms:
            lookup.setdefault(synonym, name)
    mapping, used = [], set()
    for header in headers:
        name = lookup.get(normalise_header(header), "")
        if name in used:
            name = ""
        used.add(name)
        mapping.append(name)
    return mapping


def suggested_mapping(resource: str, headers: Sequence[str], preset_key: str | None = None) -> tuple[str, list[str]]:
    """(preset key, mapping): the preset's columns (the best-matching preset unless one is named), then synonyms.

    `preset_key` "" means no preset: synonyms only.
    """
    preset = import_presets.best_match(headers, resource) if preset_key is None else import_presets.by_key(preset_key)
    by_synonym = auto_mapping(resource, headers)
    if preset is None or preset.resource != resource:
        return "", by_synonym
    mapping = import_presets.mapping_for(preset, headers)
    derived = set(import_presets.derived_columns(preset, headers))
    used = set(mapping) | derived
    for index, name in enumerate(by_synonym):
        if not mapping[index] and name and name not in used:
            mapping[index] = name
            used.add(name)
    return preset.key, mapping


def mapping_warnings(resource: str, headers: Sequence[str], mapping: Sequence[str], preset_key: str) -> list[str]:
    """Columns the import recognises but that nothing imports: their field left empty, or another resource's column."""
    recognised = import_presets.recognised_columns(resource)
    preset = import_presets.by_key(preset_key)
    derived = import_presets.derived_columns(preset, headers)
    taken = {i for _op, indexes in derived.values() for i in indexes}
    filled = set(mapping) | set(derived)
    expected = preset.names() if preset is not None else set()  # the preset's export has them: no surprise
    warnings = []
    for index, (header, name) in enumerate(zip(headers, mapping, strict=False)):
        if name or index in taken:
            continue
        key = normalise_header(header)
        field_name = recognised.get(key)
        if field_name and field_name not in filled:
            warnings.append(
                f"Column “{header}” looks like {field_name}, but it is not imported: map it, or it is left out."
            )
        elif (
            not field_name
            and key not in expected
            and (others := import_presets.other_resources_naming(header, resource))
        ):
            warnings.append(
                f"Column “{header}” is not imported: it is a column of {' and '.join(others)} data. "
                "Check that the file holds what you chose."
            )
    return warnings


def mapping_problems(resource: str, mapping: Sequence[str], headers: Sequence[str]) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for header, name in zip(headers, mapping, strict=True):
        if not name:
            continue
        if name in seen:
            problems.append(f"Columns “{seen[name]}” and “{header}” both fill {name}: choose one.")
        seen.setdefault(name, header)
    missing = [spec.name for spec in resource_fields(resource) if spec.required and spec.name not in seen]
    if missing:
        problems.append(f"Choose a column for {', '.join(missing)} (required).")
    return problems


# ---------------------------------------------------------------- converting cells

# Every unbounded run is possessive (*+, ++): the engine never gives characters back to try
# another split of a run of spaces or digits, so a match costs time linear in the cell's
# length (runs of optional spaces in a row made the plain version quadratic, or cubic for money).
_DATE = re.compile(
    r"""^\s*+(?:
        (?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})
      | (?P<y8>\d{4})(?P<m8>\d{2})(?P<d8>\d{2})
      | (?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{2,4})
      | (?P<d1>\d{1,2})[\s\-]++(?P<mon1>[A-Za-z]{3,9})\.?[\s\-,]++(?P<y1>\d{4})
      | (?P<mon2>[A-Za-z]{3,9})\.?\s++(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s++(?P<y2>\d{4})
    )
    (?:(?:[T\s]\s*+|,\s*+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*+)?)?
        \s*+(?P<ampm>[AaPp]\.?[Mm]\.?)?)?
    \s*+(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*+$""",
    re.VERBOSE,
)
_MONEY = re.compile(
    r"""^(?P<neg>-)?\s*+(?P<pre>[$€£¥]|[A-Za-z]{3})?\s*+(?P<neg2>-)?\s*+
    (?P<num>\d{1,3}(?:,\d{3})++(?:\.\d++)?|\d++(?:\.\d++)?|\.\d++)
    \s*+(?P<post>[$€£¥]|[A-Za-z]{3})?$""",
    re.VERBOSE,
)
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_THOUSANDS_INT = re.compile(r"^-?\d{1,3}(?:,\d{3})++$")
_INTEGER = re.compile(r"-?\d++")
_WHOLE_DECIMALS = re.compile(r"\.0++$")  # "12.00" → "12"
_SYMBOL_CURRENCIES = {"€": {"EUR"}, "£": {"GBP"}, "¥": {"JPY", "CNY"}}
_TRUE = frozenset({"true", "yes", "y", "1", "x", "t", "✓", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "f", "off", "-"})
_CHOICE_SYNONYMS = {
    "status": {
        "closed_won": "won",
        "closedwon": "won",
        "closed_lost": "lost",
        "closedlost": "lost",
        "in_progress": "open",
    },
    "channel": {"ppc": "paid_search", "sem": "paid_search", "webinars": "webinar", "event": "events"},
}


@dataclass
class DateContext:
    """The chosen date format, and (when none was chosen) the order the file's unambiguous dates use."""

    date_format: str
    tz: Any
    seen_order: tuple[str, int] | None = None  # ("dmy" | "mdy", row)


def _ymd(match: re.Match, ctx: DateContext, row: int) -> date:
    if match["y"]:  # year first: unambiguous whatever the format chosen
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    elif match["y8"]:  # YYYYMMDD, as GA4 exports days
        y, m, d = int(match["y8"]), int(match["m8"]), int(match["d8"])
    elif match["mon1"] or match["mon2"]:  # a month name: unambiguous too
        month_name = (match["mon1"] or match["mon2"]).lower()[:3]
        if month_name not in _MONTHS:
            raise Invalid("Not a month name.")
        y, m, d = int(match["y1"] or match["y2"]), _MONTHS[month_name], int(match["d1"] or match["d2"])
    else:
        if len(match["year"]) != 4:
            raise Invalid("Use a 4-digit year (2026, not 26).")
        a, b, y = int(match["a"]), int(match["b"]), int(match["year"])
        order = ctx.date_format
        if order == "iso":
            raise Invalid("Not YYYY-MM-DD, the date format chosen for this import.")
        if not order:
            if a == b or a > 12 >= b:
                order = "dmy"
            elif b > 12 >= a:
                order = "mdy"
            elif a <= 12 and b <= 12:
                raise Invalid(
                    f"Ambiguous date: {match['a']}{match['sep']}{match['b']} could be day/month or month/day. "
                    "Choose the date format (DD/MM/YYYY or MM/DD/YYYY) and import again.",
                    "ambiguous_date",
                )
            else:
                raise Invalid("Not a calendar date.")
            if a != b:
                if ctx.seen_order is None:
                    ctx.seen_order = (order, row)
                elif ctx.seen_order[0] != order:
                    raise Invalid(
                        f"This date is {'DD/MM' if order == 'dmy' else 'MM/DD'} but row {ctx.seen_order[1]} has one "
                        f"in {'DD/MM' if ctx.seen_order[0] == 'dmy' else 'MM/DD'} order: choose the date format.",
                        "ambiguous_date",
                    )
        d, m = (a, b) if order == "dmy" else (b, a)
    try:
        return date(y, m, d)
    except ValueError:
        raise Invalid("Not a calendar date.") from None


def _within_years(day: date, lowest: int, highest: int) -> date:
    """Refuse far years here, before a time zone moves the date past year 1 or 9999 (OverflowError)."""
    if not lowest <= day.year <= highest:
        raise Invalid(f"The year must be between {lowest} and {highest}.", "out_of_range")
    return day


def _clock(match: re.Match) -> time | None:
    if match["H"] is None:
        return None
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise Invalid("Not a time: with AM/PM the hour is 1 to 12.")
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise Invalid("Not a time of day.")
    return time(hour, minute, second, micro)


def _offset(match: re.Match) -> timezone | None:
    raw = match["tz"]
    if raw is None:
        return None
    if raw.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise Invalid("Not a UTC offset.")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if raw[0] == "-" else delta)


def to_date(value: str, ctx: DateContext, row: int) -> date:
    match = _DATE.match(value)
    if not match:
        raise Invalid(_date_hint(ctx, with_time=False))
    day = _within_years(_ymd(match, ctx, row), MIN_YEAR, MAX_YEAR)
    clock = _clock(match)
    if (clock is not None and clock != time(0)) or match["tz"]:
        raise Invalid("Expected a date without a time of day.")
    return day


def to_timestamp(value: str, ctx: DateContext, row: int) -> datetime:
    """A date and time; without a UTC offset it is read in the workspace's time zone, a date alone as midnight."""
    match = _DATE.match(value)
    if not match:
        raise Invalid(_date_hint(ctx, with_time=True))
    # The API's bounds for timestamps: a day inside the calendar's whatever the zone.
    day = _within_years(_ymd(match, ctx, row), MIN_YEAR + 1, MAX_YEAR - 1)
    clock = _clock(match) or time(0)
    offset = _offset(match)
    if offset is not None:
        return datetime.combine(day, clock, tzinfo=offset)
    local = datetime.combine(day, clock, tzinfo=ctx.tz)
    # A wall-clock time skipped by a daylight-saving jump does not exist: refuse rather than shift it.
    if local.astimezone(UTC).astimezone(ctx.tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(f"This time does not exist in {ctx.tz.key} (the clocks jump forward then): add a UTC offset.")
    return local


def _date_hint(ctx: DateContext, *, with_time: bool) -> str:
    shape = {"iso": "2026-04-30", "mdy": "04/30/2026", "dmy": "30/04/2026", "": "2026-04-30"}[ctx.date_format]
    return (
        f"Not a date{' and time' if with_time else ''}: expected something like {shape}{' 14:30' if with_time else ''}."
    )


def to_money(value: str, currency: str) -> Decimal:
    """'1,234.50', '$1,234.50', '1234.5 EUR' → Decimal; a negative amount is left to the validation to refuse."""
    compact = value.strip()
    negative = False
    if compact.startswith("(") and compact.endswith(")"):
        compact, negative = compact[1:-1].strip(), True
    match = _MONEY.match(compact)
    if not match:
        raise Invalid("Not an amount: use a dot for decimals, such as 1234.50 or $1,234.50.")
    for mark in (match["pre"], match["post"]):
        if not mark:
            continue
        if len(mark) == 3 and mark.upper() != currency:
            raise Invalid(f"An amount in {mark.upper()}, but this workspace's currency is {currency}.")
        if mark in _SYMBOL_CURRENCIES and currency not in _SYMBOL_CURRENCIES[mark]:
            raise Invalid(f"An amount in {mark}, but this workspace's currency is {currency}.")
    try:
        amount = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:
        raise Invalid("Not an amount.") from None
    if negative or match["neg"] or match["neg2"]:
        amount = -amount
    return amount


def first_of_list(value: str) -> str:
    """'51001;51002' → '51001': the first id listed in an association cell (empty parts ignored)."""
    return next((part.strip() for part in value.split(";") if part.strip()), "")


def to_integer(value: str) -> int:
    compact = value.strip()
    if _THOUSANDS_INT.match(compact):
        compact = compact.replace(",", "")
    compact = _WHOLE_DECIMALS.sub("", compact)
    if not _INTEGER.fullmatch(compact):
        raise Invalid("Must be a whole number.", "invalid_type")
    # Bounded before int(), which refuses more than 4,300 digits (ValueError), leading zeros included.
    digits = compact.lstrip("-").lstrip("0") or "0"
    if len(digits) > MAX_INTEGER_DIGITS:
        raise Invalid(f"Too large: at most {MAX_INTEGER_DIGITS} digits.", "max_value")
    return -int(digits) if compact.startswith("-") else int(digits)


def to_boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise Invalid("Use true or false (yes/no, 1/0 work too).", "invalid_type")


def to_choice(value: str, name: str) -> str:
    key = re.sub(r"[\s\-/]+", "_", value.strip().lower())
    return _CHOICE_SYNONYMS.get(name, {}).get(key, key)


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    spec: FieldSpec
    kind: str


def _kind(model: type[models.Model], spec: FieldSpec) -> str:
    if spec.ref:
        return "text"
    model_field = model._meta.get_field(spec.name)
    if isinstance(model_field, models.DateTimeField):
        return "timestamp"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField):
        return "money"
    if isinstance(model_field, models.BooleanField):
        return "boolean"
    if isinstance(model_field, models.IntegerField):
        return "integer"
    if model_field.choices:
        return "choice"
    return "text"


# ---------------------------------------------------------------- one import's plan


@dataclass
class Plan:
    """What an import needs to turn the rows of one file into the API's objects."""

    workspace: Workspace
    resource: resources.DataResource
    columns: list[Column]
    dates: DateContext
    currency: str
    headers: Sequence[str] = ()
    unmapped: list[str] = field(default_factory=list)
    # Fields a preset computes from several columns: field → (op, column indexes).
    derived: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    # Columns naming each row's currency ("Currency code"): every value must be the workspace's.
    currency_columns: list[int] = field(default_factory=list)
    # Problems of the file as a whole (a header naming another currency, dates in both orders).
    file_problems: list[dict[str, Any]] = field(default_factory=list)
    # Set when the file's unambiguous dates are in both orders.
    date_conflict: str = ""
    # From the preset: date fields whose cells carry a time of day, and cells meaning "none".
    dated_times: frozenset[str] = frozenset()
    blanks: frozenset[str] = frozenset()

    # Stages → statuses, campaign types → channels (campaigns.mappings), applied to each converted row.
    adjust: mappings.Adjust | None = None
    # Reference fields whose unknown values the import creates (campaigns confirmed in the preview).
    creatable: frozenset[str] = frozenset()

    @classmethod
    def for_job(cls, job: ImportJob, workspace: Workspace) -> Plan:
        plan = cls.build(
            workspace,
            job.resource,
            job.headers,
            job.mapping,
            job.date_format,
            preset=job.preset,
            text=job.content,
            delimiter=job.delimiter,
        )
        columns = mappings.campaign_columns(job.resource, job.headers, job.mapping)
        if job.create_campaigns and columns is not None:
            plan.creatable = frozenset({columns.field_name})
        return plan

    @classmethod
    def build(
        cls,
        workspace: Workspace,
        resource_name: str,
        headers: Sequence[str],
        mapping: Sequence[str],
        date_format: str,
        *,
        preset: str = "",
        text: str | None = None,
        delimiter: str = ",",
    ) -> Plan:
        """The plan for this mapping; with the file's text, the date order is settled from the whole file."""
        resource = resources.RESOURCES[resource_name]
        specs = {spec.name: spec for spec in resource.fields}
        columns = [
            Column(index, headers[index], specs[name], _kind(resource.write.model, specs[name]))
            for index, name in enumerate(mapping)
            if name in specs
        ]
        mapped = {c.spec.name for c in columns}
        chosen = import_presets.by_key(preset)
        derived = {
            name: how
            for name, how in import_presets.derived_columns(chosen, headers).items()
            if name in specs and name not in mapped
        }
        plan = cls(
            workspace=workspace,
            resource=resource,
            columns=columns,
            dates=DateContext(date_format, workspace.tz),
            currency=workspace.currency,
            headers=list(headers),
            unmapped=[spec.name for spec in resource.fields if spec.name not in mapped and spec.name not in derived],
            derived=derived,
            currency_columns=[i for i, h in enumerate(headers) if normalise_header(h) in _CURRENCY_COLUMNS],
            dated_times=frozenset(chosen.dated_times if chosen else ()),
            blanks=chosen.blanks if chosen else frozenset(),
            adjust=mappings.item_adjuster(workspace, resource_name, mapped),
        )
        plan.file_problems.extend(_header_currency_problems(headers, workspace.currency))
        if text is not None and not date_format:
            plan.settle_date_order(text, delimiter)
        return plan

    def settle_date_order(self, text: str, delimiter: str) -> None:
        """Day/month order from the file's unambiguous dates (13/11 or 11/13), when they agree."""
        indexes = [c.index for c in self.columns if c.kind in ("date", "timestamp")]
        if not indexes:
            return
        first = file_date_orders(text, delimiter, indexes)
        if len(first) == 1:
            self.dates.date_format = next(iter(first))
        elif len(first) == 2:
            # Left to the rows: each date in the other order than the first one found is refused.
            (line_d, _, cell_d), (line_m, _, cell_m) = first["dmy"], first["mdy"]
            self.date_conflict = (
                f"The file's dates contradict each other: {cell_d} (line {line_d}) is day first and {cell_m} "
                f"(line {line_m}) is month first. Correct the file, or choose the date format."
            )

    @property
    def key_names(self) -> list[str]:
        return [spec.name for spec in self.resource.fields if spec.key]

    def index_of(self, field_name: str | None) -> int | None:
        return next((c.index for c in self.columns if c.spec.name == field_name), None)

    def header_of(self, field_name: str | None) -> str:
        for column in self.columns:
            if column.spec.name == field_name:
                return column.header
        return ""

    def convert(self, number: int, cells: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One row as the API's object, and the cells that could not be converted."""
        item: dict[str, Any] = {}
        problems = []
        raws: dict[str, str] = {}
        for column in self.columns:
            raw = cells[column.index] if column.index < len(cells) else ""
            raws[column.spec.name] = raw
            value = raw.strip()
            if not value or value in self.blanks:
                item[column.spec.name] = None
                continue
            try:
                item[column.spec.name] = self._convert_cell(column, value, number)
            except Invalid as exc:
                item[column.spec.name] = None
                problems.append(_problem(number, column.header, column.spec.name, raw, exc.message))
            except (ValueError, ArithmeticError):
                # A parser's bug must cost one cell, not the import page (it would fail on every view).
                logger.exception(
                    "CSV import: cell of column %r in row %s could not be converted", column.header, number
                )
                item[column.spec.name] = None
                problems.append(_problem(number, column.header, column.spec.name, raw, "This value cannot be read."))
        for name, (op, indexes) in self.derived.items():
            item[name], problem = self._derive(number, cells, op, indexes, name)
            if problem:
                problems.append(problem)
        for index in self.currency_columns:
            raw = cells[index] if index < len(cells) else ""
            if raw.strip() and raw.strip().upper() != self.currency:
                problems.append(
                    _problem(
                        number,
                        self.headers[index],
                        None,
                        raw,
                        f"This row is in {raw.strip()}, but this workspace's currency is {self.currency}: "
                        "amounts are never converted.",
                    )
                )
        if self.adjust is not None:
            failed = {p["field"] for p in problems}
            for name, message in self.adjust(item, raws):
                if name not in failed:
                    item[name] = None
                    problems.append(_problem(number, self.header_of(name), name, raws.get(name, ""), message))
        extra = [c for c in cells[len(self.headers) :] if c.strip()]
        if extra:
            problems.append(
                _problem(number, "", None, extra[0], "This row has more cells than the header has columns.")
            )
        return item, problems

    def _derive(
        self, number: int, cells: list[str], op: str, indexes: list[int], name: str
    ) -> tuple[int | None, dict[str, Any] | None]:
        """A preset's field made of several columns: their sum, or the first less the others."""
        raws = [cells[i] if i < len(cells) else "" for i in indexes]
        if not any(r.strip() for r in raws):
            return None, None
        try:
            values = [to_integer(r) if r.strip() else 0 for r in raws]
        except Invalid as exc:
            columns = " and ".join(f"“{self.headers[i]}”" for i in indexes)
            return None, _problem(number, columns, name, " / ".join(raws), f"{exc.message} ({name} is {op} of these)")
        return (sum(values) if op == "sum" else values[0] - sum(values[1:])), None

    def _convert_cell(self, column: Column, value: str, number: int) -> Any:
        if len(value) > MAX_CELL_CHARS:
            raise Invalid(f"Too long: at most {MAX_CELL_CHARS:,} characters in a cell.", "max_length")
        kind = column.kind
        if column.spec.ref and ";" in value:
            # A CRM's association cell lists every associated record ("51001;51002", HubSpot); a row names one.
            return first_of_list(value)
        if kind == "timestamp":
            return to_timestamp(value, self.dates, number)
        if kind == "date" and column.spec.name in self.dated_times:
            return to_timestamp(value, self.dates, number).astimezone(self.dates.tz).date()
        if kind == "date":
            return to_date(value, self.dates, number)
        if kind == "money":
            return to_money(value, self.currency)
        if kind == "integer":
            return to_integer(value)
        if kind == "boolean":
            return to_boolean(value)
        if kind == "choice":
            return to_choice(value, column.spec.name)
        return value

    def merge_existing(self, items: list[dict[str, Any]]) -> None:
        """Fill the unmapped fields of rows naming existing objects with those objects' current values."""
        if not self.unmapped:
            return
        keys = self.key_names
        if any(k in self.unmapped for k in keys):
            return  # no key in the file (touchpoints without external_id): every row is new
        wanted = {tuple(item.get(k) for k in keys) for item in items}
        wanted = {key for key in wanted if None not in key}
        if not wanted:
            return
        # Each key field among the file's values (a superset, made exact below); references by external_id.
        refs = {spec.name for spec in self.resource.fields if spec.ref}
        queryset = self.resource.list_query().filter(
            **{
                f"{name}__external_id__in" if name in refs else f"{name}__in": {k[i] for k in wanted}
                for i, name in enumerate(keys)
            }
        )
        current = {}
        for instance in queryset:
            data = services.object_as_input(resource=self.resource.write, instance=instance)
            current[tuple(data[k] for k in keys)] = data
        for item in items:
            existing = current.get(tuple(item.get(k) for k in keys))
            if existing is not None:
                for name in self.unmapped:
                    item[name] = existing[name]


_CURRENCY_COLUMNS = frozenset({"currency", "currency code", "currency iso code", "account currency"})
_HEADER_CURRENCY = re.compile(r"\(\s*([A-Za-z]{3})\s*\)|\s([A-Z]{3})$")


def _header_currency_problems(headers: Sequence[str], currency: str) -> list[dict[str, Any]]:
    """A header naming another currency than the workspace's ("Amount spent (EUR)", "Cost USD")."""
    from babel.numbers import list_currencies

    codes = list_currencies()
    problems = []
    for header in headers:
        for match in _HEADER_CURRENCY.finditer(header[:MAX_CELL_CHARS]):
            code = (match[1] or match[2]).upper()
            if code in codes and code != currency:
                problems.append(
                    _problem(
                        None,
                        header,
                        None,
                        header,
                        f"This column is in {code}, but this workspace's currency is {currency}: "
                        "amounts are never converted.",
                    )
                )
    return problems


def file_date_orders(text: str, delimiter: str, indexes: Sequence[int]) -> dict[str, tuple[int, int, str]]:
    """The first date of each order found in these columns: "dmy"/"mdy" → (line, column index, cell)."""
    first: dict[str, tuple[int, int, str]] = {}
    for number, cells in records(text, delimiter):
        for index in indexes:
            cell = cells[index] if index < len(cells) else ""
            match = _DATE.match(cell) if 0 < len(cell) <= MAX_CELL_CHARS else None
            if not match or not match["a"]:
                continue
            a, b = int(match["a"]), int(match["b"])
            order = "dmy" if a > 12 >= b else "mdy" if b > 12 >= a else None
            if order is not None:
                first.setdefault(order, (number, index, cell.strip()))
        if len(first) == 2:
            break
    return first


def _problem(row: int | None, column: str, field_name: str | None, value: Any, message: str) -> dict[str, Any]:
    return {
        "row": row,
        "column": column,
        "field": field_name or "",
        "value": _shortened("" if value is None else str(value)),
        "message": message,
    }


def _batches(text: str, delimiter: str) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for record in records(text, delimiter):
        batch.append(record)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class CheckState:
    """What the check pass carries from one batch to the next."""

    seen_keys: dict[tuple, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    # The rows (their numbers) with at least one problem: data health's rejected rows.
    bad_rows: set[int] = field(default_factory=set)

    def add(self, problems: list[dict[str, Any]]) -> None:
        self.count += len(problems)
        self.bad_rows.update(p["row"] for p in problems if p.get("row") is not None)
        room = MAX_ERRORS_KEPT - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])


def check_batch(plan: Plan, batch: list[tuple[int, list[str]]], state: CheckState) -> list[dict[str, Any]]:
    """Every problem of these rows, as the API would find them, plus keys repeated in the file."""
    numbers = [number for number, _ in batch]
    items, problems = [], []
    for number, cells in batch:
        item, cell_problems = plan.convert(number, cells)
        items.append(item)
        problems.extend(cell_problems)
    plan.merge_existing(items)
    rows, errors = plan.resource.spec.parse_rows(items)
    failed_cells = {(p["row"], p["field"]) for p in problems}
    for error in errors:
        number = numbers[error.index] if error.index is not None else None
        if (number, error.field) in failed_cells:
            continue  # already reported with the cell's own message
        raw = batch[error.index][1] if error.index is not None else None
        problems.append(_row_error(plan, number, error, items, raw))
    problems.extend(_reference_problems(plan, rows, numbers))
    keys = plan.key_names
    for number, row in zip(numbers, rows, strict=True):
        key = tuple(row.get(k) for k in keys)
        if None in key:
            continue
        first = state.seen_keys.setdefault(key, number)
        if first != number:
            problems.append(
                _problem(
                    number,
                    plan.header_of(keys[0]),
                    keys[0],
                    " / ".join(str(k) for k in key),
                    f"The same {plan.resource.spec.resource} as row {first}: each one may appear once per file.",
                )
            )
    problems.sort(key=lambda p: p["row"] or 0)
    return problems


def _row_error(
    plan: Plan, number: int | None, error: RowError, items: list[dict[str, Any]], cells: list[str] | None = None
) -> dict[str, Any]:
    """A validation error; the value shown is the cell as the file has it when the row's cells are given."""
    header = plan.header_of(error.field)
    value = None
    if error.index is not None and error.field:
        value = items[error.index].get(error.field)
        index = plan.index_of(error.field)
        if cells is not None and index is not None and index < len(cells):
            value = cells[index]
    message = error.message
    if error.code == "required" and not header:
        message = "Required, and no column of the file is mapped to it."
    return _problem(number, header, error.field, value, message)


def _reference_problems(plan: Plan, rows: list[dict[str, Any]], numbers: list[int]) -> list[dict[str, Any]]:
    problems = []
    for spec in plan.resource.spec.refs:
        if spec.name in plan.creatable:
            continue  # created by the commit, before the rows (campaigns.mappings.planned_campaigns)
        wanted = {row.get(spec.name) for row in rows} - {None}
        if not wanted:
            continue
        found = selectors.reference_ids(ref=spec.ref, external_ids=wanted).keys()
        for number, row in zip(numbers, rows, strict=True):
            value = row.get(spec.name)
            if value is not None and value not in found:
                problems.append(
                    _problem(
                        number,
                        plan.header_of(spec.name),
                        spec.name,
                        value,
                        f"Unknown {spec.ref} {value!r}: no {spec.ref} with this external_id in this workspace "
                        f"(import the {spec.ref}s first).",
                    )
                )
    return problems


# ---------------------------------------------------------------- preview


def preview(job: ImportJob, workspace: Workspace, mapping: Sequence[str], date_format: str) -> dict[str, Any]:
    """The first rows as cells, each with the problem converting or validating it would have (no database reads).

    JSON, as stored in `ImportJob.preview`: {"key": what it was built for, "rows": [[row number,
    [{"value", "error"}, …]], …], "ambiguous_columns": [header, …], "skipped": [{"line", "cell", "reason"}, …],
    "skipped_count", "preset": {"key", "label"} | None, "looks_like": another resource's preset label | "",
    "warnings": [text, …], "file_problems": [problem, …], "date_order": settled order | "", "date_conflict"}.
    The whole file is read once for the skipped lines and the date order.
    """
    plan = Plan.build(
        workspace,
        job.resource,
        job.headers,
        mapping,
        date_format,
        preset=job.preset,
        text=job.content,
        delimiter=job.delimiter,
    )
    sample = []
    for number, cells in records(job.content, job.delimiter):
        sample.append((number, cells))
        if len(sample) >= 500:
            break
    by_index = {c.index: c.spec.name for c in plan.columns}
    rows = []
    for number, cells in sample[:PREVIEW_ROWS]:
        item, problems = plan.convert(number, cells)
        _rows, errors = plan.resource.spec.parse_rows([item])
        messages = {p["field"]: p["message"] for p in problems}
        by_header = {p["column"]: p["message"] for p in problems if not p["field"]}  # currency cells
        for error in errors:
            messages.setdefault(error.field or "", error.message)
        rendered = []
        for index in range(len(job.headers)):
            name = by_index.get(index)
            value = cells[index] if index < len(cells) else ""
            error = messages.get(name, "") if name else by_header.get(job.headers[index], "")
            rendered.append({"value": _shortened(value), "error": error})
        rows.append([number, rendered])
    skipped, skipped_count = skipped_lines(job.content, job.delimiter)
    preset = import_presets.by_key(job.preset)
    overall = import_presets.best_match(job.headers)
    settled = plan.dates.date_format if not date_format else ""
    return {
        "key": _preview_key(workspace, mapping, date_format, job.preset),
        "rows": rows,
        "ambiguous_columns": [] if settled else _ambiguous_columns(plan, sample),
        "skipped": skipped,
        "skipped_count": skipped_count,
        "preset": None if preset is None else {"key": preset.key, "label": preset.label},
        "looks_like": _looks_like(overall, job.resource),
        "warnings": mapping_warnings(job.resource, job.headers, mapping, job.preset),
        "file_problems": plan.file_problems,
        "date_order": DATE_FORMATS.get(settled, "") if settled else "",
        "date_conflict": plan.date_conflict,
    }


def _looks_like(preset: import_presets.Preset | None, resource: str) -> str:
    """A warning when the file's columns are those of another resource's export."""
    if preset is None or preset.resource == resource:
        return ""
    return (
        f"This file looks like a {preset.label}, which holds {resources.label_of(preset.resource).lower()}, "
        f"not {resources.label_of(resource).lower()}: upload it again with that choice if so."
    )


def _ambiguous_columns(plan: Plan, sample: list[tuple[int, list[str]]]) -> list[str]:
    """The date columns holding a date such as 03/04/2026, day/month or month/day."""
    ambiguous = set()
    for _number, cells in sample:
        for column in plan.columns:
            if column.kind in ("date", "timestamp") and column.index < len(cells):
                cell = cells[column.index]
                match = _DATE.match(cell) if len(cell) <= MAX_CELL_CHARS else None
                if match and match["a"] and match["a"] != match["b"] and max(int(match["a"]), int(match["b"])) <= 12:
                    ambiguous.add(column.header)
    return sorted(ambiguous)


def _preview_key(workspace: Workspace, mapping: Sequence[str], date_format: str, preset: str) -> dict[str, Any]:
    """What a preview depends on besides the file: a stored preview built for another key is stale."""
    return {
        "mapping": list(mapping),
        "date_format": date_format,
        "preset": preset,
        "time_zone": workspace.time_zone,
        "currency": workspace.currency,
    }


def stored_preview(job: ImportJob, workspace: Workspace) -> dict[str, Any]:
    """The preview for the job's saved mapping, built once and kept: viewing the page parses nothing.

    It is built at upload, and again only when the mapping, the date format or the
    workspace's zone or currency changed since.
    """
    if job.preview.get("key") != _preview_key(workspace, job.mapping, job.date_format, job.preset):
        job.preview = preview(job, workspace, job.mapping, job.date_format)
        ImportJob.objects.filter(pk=job.pk).update(preview=job.preview)
    return job.preview


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "…"


# ---------------------------------------------------------------- running an import


def job_create(*, workspace: Workspace, user, resource: str, filename: str, raw: bytes) -> ImportJob:
    """Read an uploaded file and keep it as a draft import, columns auto-mapped. Raises ImportRefused."""
    if resource not in resources.RESOURCES:
        raise ImportRefused(f"Unknown kind of data: {resource}.")
    parsed = read_csv(raw)
    preset, mapping = suggested_mapping(resource, parsed.headers)
    fields = {
        "resource": resource,
        "filename": filename[:255],
        "content": parsed.text,
        "delimiter": parsed.delimiter,
        "headers": parsed.headers,
        "mapping": mapping,
        "preset": preset,
        "total_rows": parsed.total_rows,
        "created_by": user if getattr(user, "is_authenticated", False) else None,
    }
    first_preview = preview(ImportJob(**fields), workspace, fields["mapping"], "")
    with workspace_scope(workspace):
        # The mappings' sections (stages to choose, campaigns to create) are stored with it.
        first_preview["mappings"] = mappings.sections_as_stored(
            workspace,
            resource,
            parsed.headers,
            fields["mapping"],
            lambda: records(parsed.text, parsed.delimiter),
            preset=preset,
        )
        return ImportJob.objects.create(**fields, preview=first_preview)


def job_use_preset(*, workspace: Workspace, job: ImportJob, preset: str) -> None:
    """Map the job's columns with another preset ("" for none: by column names only)."""
    key, mapping = suggested_mapping(job.resource, job.headers, preset)
    with workspace_scope(workspace):
        job.preset, job.mapping = key, mapping
        job.save(update_fields=["preset", "mapping", "updated_at"])


def job_start(
    *, workspace: Workspace, job: ImportJob, mapping: list[str], date_format: str, create_campaigns: bool = False
) -> bool:
    """Save the mapping and import: in this request for small files, by the task for big ones.

    `create_campaigns`: the user confirmed creating the campaigns the file names and the workspace lacks.
    Returns True when the task was queued (the page then shows progress).
    """
    from campaigns.tasks import import_csv_task

    with workspace_scope(workspace), transaction.atomic():
        job.mapping = mapping
        job.date_format = date_format
        job.create_campaigns = create_campaigns
        job.status = ImportJob.Status.QUEUED
        job.processed_rows = 0
        job.errors, job.error_count = [], 0
        job.created_count = job.updated_count = job.skipped_count = 0
        job.undo_log = {}
        job.finished_at = None
        job.save()
        audit.record(
            AuditAction.IMPORT_CONFIRMED,
            workspace=workspace,
            target=("importjob", job.pk, job.filename),
            resource=job.resource,
            rows=job.total_rows,
        )
        if job.total_rows > ASYNC_THRESHOLD_ROWS:
            workspace_id, job_id = workspace.pk, job.pk
            transaction.on_commit(lambda: import_csv_task.delay(workspace_id, job_id))
            return True
    try:
        import_run(workspace_id=workspace.pk, job_id=job.pk)
    except DatabaseError:
        logger.exception("CSV import %s failed", job.pk)
        job_abandon(workspace_id=workspace.pk, job_id=job.pk)
    return False


def job_abandon(*, workspace_id: int, job_id: int) -> None:
    """Mark a job that could not run to its end as failed (nothing of it was written)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    with workspace_scope(workspace):
        job = ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).first()
        if job is not None:
            _fail(
                job,
                [
                    _problem(
                        None,
                        "",
                        None,
                        None,
                        "The import could not reach the database; nothing was written. Import again.",
                    )
                ],
                1,
            )


def _update(job: ImportJob, **values: Any) -> None:
    """Committed at once (outside the write transaction), so the progress view sees it."""
    ImportJob.objects.filter(pk=job.pk).update(**values, updated_at=django_timezone.now())


def import_run(*, workspace_id: int, job_id: int) -> None:
    """Check every row of the job's file, then write them all in one transaction, or none."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    with workspace_scope(workspace):
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.DRAFT, ImportJob.Status.FAILED):
            return
        try:
            _run(workspace, job)
        except ImportRefused as exc:
            _fail(job, [_problem(None, "", None, None, str(exc))], 1)
        except DatabaseError:
            raise  # transient (a lost connection, a deadlock): the task retries; nothing was written
        except Exception:
            logger.exception("CSV import %s failed", job.pk)
            _fail(
                job,
                [_problem(None, "", None, None, "The import stopped on an unexpected error; nothing was written.")],
                1,
            )


def _fail(job: ImportJob, problems: list[dict[str, Any]], count: int) -> None:
    _update(
        job,
        status=ImportJob.Status.FAILED,
        errors=problems[:MAX_ERRORS_KEPT],
        error_count=count,
        finished_at=django_timezone.now(),
    )


def progress_reported(job: ImportJob, processed: int) -> None:
    _update(job, status=ImportJob.Status.CHECKING, processed_rows=processed)


def _run(workspace: Workspace, job: ImportJob) -> None:
    plan = Plan.for_job(job, workspace)
    state = CheckState()
    processed = 0
    progress_reported(job, 0)
    state.add(plan.file_problems)
    for batch in _batches(job.content, job.delimiter):
        state.add(check_batch(plan, batch, state))
        processed += len(batch)
        progress_reported(job, processed)
    state.add(campaign_problems(job))
    if state.count:
        _fail(job, state.problems, state.count)
        intake.record(
            workspace=workspace,
            source=intake.Source(intake.IMPORT),
            resource=job.resource,
            rejected=len(state.bad_rows),
        )
        return
    _update(job, status=ImportJob.Status.WRITING)
    _write(workspace, job)


def _write(workspace: Workspace, job: ImportJob) -> None:
    """Every row in one transaction: the confirmed new campaigns first, rows already stored skipped,
    and what undoing it needs recorded on the job (campaigns.import_undo)."""
    plan = Plan.for_job(job, workspace)
    upsert = plan.resource.upsert
    recorder = import_undo.Recorder(plan.resource)
    created = updated = 0
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status == ImportJob.Status.DONE:
                return  # a redelivered task: the first run wrote it
            _create_campaigns(workspace, job, recorder)
            for batch in _batches(job.content, job.delimiter):
                items = []
                for number, cells in batch:
                    item, problems = plan.convert(number, cells)
                    if problems:
                        raise _WriteRefused(problems)
                    items.append(item)
                plan.merge_existing(items)
                pending = recorder.prepare(items)
                if not pending.items:
                    continue
                try:
                    result = upsert(
                        workspace=workspace, items=pending.items, extras=pending.extras, source=_IMPORT_SOURCE
                    )
                except services.BatchInvalid as exc:
                    numbers = [number for number, _ in batch]
                    raise _WriteRefused(
                        [_row_error(plan, None if e.index is None else numbers[e.index], e, items) for e in exc.errors]
                    ) from None
                recorder.written(pending)
                created += result.created
                updated += result.updated
            locked.status = ImportJob.Status.DONE
            locked.created_count, locked.updated_count = created, updated
            locked.skipped_count = recorder.skipped
            locked.undo_log = recorder.log()
            locked.processed_rows = locked.total_rows
            locked.errors, locked.error_count = [], 0
            locked.content = ""  # imported: the file is no longer needed
            locked.preview = {}
            locked.finished_at = django_timezone.now()
            locked.save()
    except _WriteRefused as exc:
        _fail(job, exc.problems, len(exc.problems))
    except services.WriteConflict:
        _fail(
            job,
            [_problem(None, "", None, None, "A concurrent change got in the way; nothing was written. Import again.")],
            1,
        )


def _planned_campaigns(job: ImportJob) -> list[mappings.NewCampaign]:
    if not job.create_campaigns:
        return []
    return mappings.planned_campaigns(
        job.resource, job.headers, job.mapping, records(job.content, job.delimiter), job.preset
    )


def _campaign_items(planned: list[mappings.NewCampaign]) -> list[dict[str, Any]]:
    return [{"external_id": c.external_id, "name": c.name, "channel": c.channel} for c in planned]


def campaign_problems(job: ImportJob) -> list[dict[str, Any]]:
    """The campaigns the import would create, checked as the API checks them (e.g. a name too long)."""
    planned = _planned_campaigns(job)
    _rows, errors = resources.CAMPAIGNS.spec.parse_rows(_campaign_items(planned))
    return [
        _problem(
            None,
            "",
            f"campaign.{error.field}",
            getattr(planned[error.index], error.field or "name", ""),
            f"The new campaign {planned[error.index].external_id[:80]!r} cannot be created: {error.message}",
        )
        for error in errors
        if error.index is not None
    ]


def _create_campaigns(workspace: Workspace, job: ImportJob, recorder: import_undo.Recorder) -> None:
    """The campaigns confirmed in the preview, created before the rows naming them (same transaction)."""
    items = _campaign_items(_planned_campaigns(job))
    for start in range(0, len(items), BATCH_SIZE):
        try:
            services.campaign_upsert_batch(workspace=workspace, items=items[start : start + BATCH_SIZE])
        except services.BatchInvalid as exc:
            raise _WriteRefused(
                [_problem(None, "", "campaign", None, f"A new campaign cannot be created: {exc.errors[0].message}")]
            ) from None
    if items:
        recorder.campaigns_created([item["external_id"] for item in items])


_IMPORT_SOURCE = intake.Source(intake.IMPORT)


class _WriteRefused(Exception):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
