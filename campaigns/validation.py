"""Plain, fast validation of ingested rows (API batches and CSV imports alike).

A DRF serializer per object costs too much for batches of 1,000 rows, so each
resource is described once as a `RowSpec`: its fields, each with a small parser
that returns the Python value or raises `Invalid`, and a cross-field check.
References to other objects stay external_ids here; services resolve them,
all rows of a batch at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from campaigns.models import Channel, DealStatus, TouchpointKind

MAX_BATCH = 1000
MIN_YEAR, MAX_YEAR = 1900, 2999
MONEY_LIMIT = Decimal(10) ** 14  # 16 digits, 2 of them decimals
CENT = Decimal("0.01")
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
# Amounts and timestamps sent as text: far longer than any valid one, and read at once.
MAX_PARSED_TEXT = 64
MAX_UNKNOWN_REPORTED = 10

_MISSING: Any = object()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPACE = re.compile(r"\s")


class RowError(NamedTuple):
    """One problem: the index of the object in the request (None for the request as a whole)."""

    index: int | None
    field: str | None
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message, "code": self.code}


class Invalid(Exception):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


Parser = Callable[[Any], Any]


def text(max_length: int, *, blank: bool = True) -> Parser:
    def parse(value: Any) -> str:
        if type(value) is not str:
            raise Invalid("Must be a string.", "invalid_type")
        if len(value) > max_length:
            raise Invalid(f"At most {max_length} characters.", "max_length")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise Invalid("Contains characters that are not valid Unicode.") from None
        if "\x00" in value:
            raise Invalid("Must not contain NUL characters.")
        if not blank and not value.strip():
            raise Invalid("Must not be blank.", "blank")
        return value

    return parse


def email(value: Any) -> str:
    value = text(254)(value)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise Invalid("Not a valid email address.") from None
    return value


def url(value: Any) -> str:
    value = text(2000)(value)
    if value:
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. "http://[::1": an unclosed IPv6 bracket
            raise Invalid("Not a valid http(s) URL.") from None
        if parts.scheme not in ("http", "https") or not parts.netloc or _SPACE.search(value):
            raise Invalid("Not a valid http(s) URL.")
    return value


def choice(options: Iterable[str]) -> Parser:
    allowed = frozenset(options)
    listing = ", ".join(sorted(allowed))

    def parse(value: Any) -> str:
        if type(value) is not str or value not in allowed:
            raise Invalid(f"Must be one of: {listing}.", "invalid_choice")
        return value

    return parse


def boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise Invalid("Must be true or false.", "invalid_type")
    return value


def _whole(value: Decimal, maximum: int) -> int:
    """A Decimal as an int, bounded first: int(Decimal("1e1000000")) alone costs seconds of CPU."""
    if not value.is_finite() or value != value.to_integral_value():
        raise Invalid("Must be a whole number.", "invalid_type")
    if value < 0:
        raise Invalid("Must not be negative.", "min_value")
    if value.adjusted() >= len(str(maximum)):  # more digits than the maximum has
        raise Invalid(f"At most {maximum}.", "max_value")
    return int(value)


def integer(maximum: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, Decimal):
            value = _whole(value, maximum)
        elif type(value) is not int:
            raise Invalid("Must be a whole number.", "invalid_type")
        if value < 0:
            raise Invalid("Must not be negative.", "min_value")
        if value > maximum:
            raise Invalid(f"At most {maximum}.", "max_value")
        return value

    return parse


def money(value: Any) -> Decimal:
    """A decimal string or number, ≥ 0, with at most 2 decimals."""
    if type(value) is bool:
        raise Invalid("Must be a decimal number or string such as 1250.50.", "invalid_type")
    if isinstance(value, str) and len(value) > MAX_PARSED_TEXT:
        raise Invalid(f"At most {MAX_PARSED_TEXT} characters.", "max_length")
    try:
        if isinstance(value, Decimal):
            amount = value
        elif isinstance(value, int):
            amount = Decimal(value)
        elif isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, str):
            amount = Decimal(value.strip())
        else:
            raise Invalid("Must be a decimal number or string such as 1250.50.", "invalid_type")
    except InvalidOperation:
        raise Invalid("Not a decimal number (use a dot for decimals, no thousands separators).") from None
    if not amount.is_finite():
        raise Invalid("Must be a finite number.")
    if amount < 0:
        raise Invalid("Must not be negative.", "min_value")
    # Compared before any arithmetic: quantize() of 1e999999 raises, of 1e-999999 is cheap.
    if amount >= MONEY_LIMIT:
        raise Invalid("Too large: at most 99999999999999.99.", "max_value")
    if amount != amount.quantize(CENT):
        raise Invalid("At most 2 decimal places.", "max_decimal_places")
    return amount.quantize(CENT)


def timestamp(value: Any) -> datetime:
    """ISO 8601 with a UTC offset; naive timestamps are refused, they are ambiguous."""
    if isinstance(value, datetime):
        moment = value
    elif type(value) is str:
        if len(value) > MAX_PARSED_TEXT:
            raise Invalid(f"At most {MAX_PARSED_TEXT} characters.", "max_length")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid("Not an ISO 8601 timestamp such as 2024-05-01T09:30:00+02:00.") from None
    else:
        raise Invalid("Must be an ISO 8601 timestamp string such as 2024-05-01T09:30:00Z.", "invalid_type")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(
            "Needs a UTC offset (such as Z or +02:00): a timestamp without one is ambiguous.", "naive_timestamp"
        )
    if not MIN_YEAR + 1 <= moment.year <= MAX_YEAR - 1:
        raise Invalid(f"The year must be between {MIN_YEAR + 1} and {MAX_YEAR - 1}.", "out_of_range")
    return moment.astimezone(UTC)


def day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    elif type(value) is str and _DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise Invalid("Not a calendar date.") from None
    else:
        raise Invalid("Must be a date as YYYY-MM-DD.", "invalid_type" if type(value) is not str else "invalid")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise Invalid(f"The year must be between {MIN_YEAR} and {MAX_YEAR}.", "out_of_range")
    return parsed


external_id = text(255, blank=False)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Parser
    required: bool = False
    default: Any = None
    # The resource an external_id refers to ("campaign", "account", "lead"), for references.
    ref: str | None = None
    # An object may not change this field once it exists (its identifying key).
    key: bool = False


Check = Callable[[dict[str, Any]], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class RowSpec:
    resource: str
    fields: tuple[FieldSpec, ...]
    check: Check | None = None
    # Output-only fields a client may send back unchanged (e.g. from a GET); ignored.
    read_only: frozenset[str] = frozenset({"updated_at"})
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(f.name for f in self.fields))

    @property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.ref)

    def parse_rows(self, items: list[Any]) -> tuple[list[dict[str, Any]], list[RowError]]:
        """Each item parsed into a dict of Python values, and every problem found."""
        rows: list[dict[str, Any]] = []
        errors: list[RowError] = []
        fields = self.fields
        allowed = self.names | self.read_only
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                errors.append(RowError(index, None, "Each item must be a JSON object.", "invalid_type"))
                continue
            row: dict[str, Any] = {}
            row_ok = True
            for spec in fields:
                value = item.get(spec.name, _MISSING)
                if value is _MISSING or value is None:
                    if spec.required:
                        errors.append(RowError(index, spec.name, "This field is required.", "required"))
                        row_ok = False
                    row[spec.name] = spec.default
                    continue
                try:
                    row[spec.name] = spec.parse(value)
                except Invalid as exc:
                    errors.append(RowError(index, spec.name, exc.message, exc.code))
                    row[spec.name] = spec.default
                    row_ok = False
            if not item.keys() <= allowed:
                errors += _unknown_fields(index, item.keys() - allowed)
                row_ok = False
            if row_ok and self.check is not None:
                for name, message, code in self.check(row):
                    errors.append(RowError(index, name, message, code))
                    row_ok = False
            rows.append(row)
        return rows, errors


def _unknown_fields(index: int, names: Iterable[Any]) -> list[RowError]:
    """One error per unknown field, the first few only: an object may have thousands."""
    ordered = sorted(map(str, names))
    errors = [RowError(index, name, "Unknown field.", "unknown_field") for name in ordered[:MAX_UNKNOWN_REPORTED]]
    if len(ordered) > MAX_UNKNOWN_REPORTED:
        more = len(ordered) - MAX_UNKNOWN_REPORTED
        errors.append(RowError(index, None, f"And {more:,} more unknown fields.", "unknown_field"))
    return errors


def _check_campaign(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    if row["starts_on"] and row["ends_on"] and row["ends_on"] < row["starts_on"]:
        return [("ends_on", "Must not be before starts_on.", "invalid")]
    return []


def _check_deal(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    problems = []
    status = row["status"]
    if status == DealStatus.OPEN and row["closed_at"] is not None:
        problems.append(("closed_at", "Must be empty while the deal is open (set status to won or lost).", "invalid"))
    if status != DealStatus.OPEN and row["closed_at"] is None:
        problems.append(("closed_at", f"Required when status is {status}.", "required"))
    if row["churned_at"] is not None:
        if status != DealStatus.WON:
            problems.append(("churned_at", "Only a won deal can churn.", "invalid"))
        elif row["closed_at"] is not None and row["churned_at"] < row["closed_at"]:
            problems.append(("churned_at", "Must not be before closed_at.", "invalid"))
    return problems


CAMPAIGN = RowSpec(
    "campaign",
    (
        FieldSpec("external_id", external_id, required=True, key=True),
        FieldSpec("name", text(255, blank=False), required=True),
        FieldSpec("channel", choice(Channel.values), required=True),
        FieldSpec("is_abm", boolean, default=False),
        FieldSpec("starts_on", day),
        FieldSpec("ends_on", day),
        FieldSpec("budget", money),
    ),
    check=_check_campaign,
)

SPEND = RowSpec(
    "spend",
    (
        FieldSpec("campaign", external_id, required=True, ref="campaign", key=True),
        FieldSpec("date", day, required=True, key=True),
        FieldSpec("cost", money, required=True),
        FieldSpec("impressions", integer(MAX_BIGINT), default=0),
        FieldSpec("clicks", integer(MAX_BIGINT), default=0),
    ),
)

ACCOUNT = RowSpec(
    "account",
    (
        FieldSpec("external_id", external_id, required=True, key=True),
        FieldSpec("name", text(255, blank=False), required=True),
        FieldSpec("domain", text(255), default=""),
        FieldSpec("industry", text(120), default=""),
        FieldSpec("employees", integer(MAX_INT)),
        FieldSpec("is_target", boolean, default=False),
    ),
)

LEAD = RowSpec(
    "lead",
    (
        FieldSpec("external_id", external_id, required=True, key=True),
        FieldSpec("email", email, default=""),
        FieldSpec("account", external_id, ref="account"),
        FieldSpec("source_campaign", external_id, ref="campaign"),
        FieldSpec("created_at", timestamp, required=True),
        FieldSpec("mql_at", timestamp),
        FieldSpec("sql_at", timestamp),
        FieldSpec("sqo_at", timestamp),
    ),
)

DEAL = RowSpec(
    "deal",
    (
        FieldSpec("external_id", external_id, required=True, key=True),
        FieldSpec("account", external_id, required=True, ref="account"),
        FieldSpec("lead", external_id, ref="lead"),
        FieldSpec("source_campaign", external_id, ref="campaign"),
        FieldSpec("name", text(255), default=""),
        FieldSpec("amount", money, required=True),
        FieldSpec("mrr", money, default=Decimal("0.00")),
        FieldSpec("status", choice(DealStatus.values), default=DealStatus.OPEN.value),
        FieldSpec("created_at", timestamp, required=True),
        FieldSpec("closed_at", timestamp),
        FieldSpec("churned_at", timestamp),
    ),
    check=_check_deal,
)

TOUCHPOINT = RowSpec(
    "touchpoint",
    (
        FieldSpec("external_id", external_id, key=True),
        FieldSpec("kind", choice(TouchpointKind.values), required=True),
        FieldSpec("occurred_at", timestamp, required=True),
        FieldSpec("campaign", external_id, ref="campaign"),
        FieldSpec("lead", external_id, ref="lead"),
        FieldSpec("account", external_id, ref="account"),
        FieldSpec("visitor_id", text(255), default=""),
        FieldSpec("session_id", text(255), default=""),
        FieldSpec("url", url, default=""),
    ),
    read_only=frozenset(),
)


# Daily aggregate stats (KPI_SPEC): daily totals of tools that export no events, keyed like spend.


def _at_most(*pairs: tuple[str, str]) -> Check:
    """The check that each `name` ≤ its `limit` (bounces ≤ sent, …), naming the field at fault."""

    def check(row: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [
            (name, f"Must not exceed {limit} ({row[limit]:,}).", "exceeds")
            for name, limit in pairs
            if row[name] > row[limit]
        ]

    return check


def _counts(*names: str) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, integer(MAX_INT), default=0) for name in names)


EMAIL_STAT = RowSpec(
    "email stat",
    (
        FieldSpec("campaign", external_id, required=True, ref="campaign", key=True),
        FieldSpec("date", day, required=True, key=True),
        *_counts("sent", "bounces", "unique_opens", "unique_clicks", "unsubscribes", "spam"),
    ),
    check=_at_most(("bounces", "sent"), ("unique_clicks", "sent")),
)

WEB_STAT = RowSpec(
    "web stat",
    (
        # Optional: the site's totals carry no campaign, and "no campaign" is a key value of its own.
        FieldSpec("campaign", external_id, ref="campaign", key=True),
        FieldSpec("date", day, required=True, key=True),
        *_counts("sessions", "bounced_sessions", "page_views", "users", "new_users", "content_downloads"),
    ),
    check=_at_most(("bounced_sessions", "sessions"), ("new_users", "users")),
)

SOCIAL_STAT = RowSpec(
    "social stat",
    (
        FieldSpec("campaign", external_id, required=True, ref="campaign", key=True),
        FieldSpec("date", day, required=True, key=True),
        *_counts("engagements"),
    ),
)

SEO_STAT = RowSpec(
    "SEO stat",
    (FieldSpec("date", day, required=True, key=True), *_counts("backlinks", "referring_domains")),
)
