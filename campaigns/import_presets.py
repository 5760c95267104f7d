"""Built-in presets: the column names of the exports of the tools clients use, mapped to a resource's fields.

A preset names a tool's export ("Google Ads campaign report"), the resource its
rows are, and which column fills which field. The import picks the preset whose
columns the file's header names best, says so on the preview, and maps the
columns with it; the user can pick another preset, none, or change any column.
Some fields add up two columns (Mailchimp's hard and soft bounces) or take one
from another (GA4's bounced sessions are sessions less engaged sessions): those
are a preset's `derived` fields, computed while converting a row.

Presets naming a resource this installation does not have are left out.
Column names are written as tools write them and compared normalised (see
`export_files.normalise_header`: case, punctuation and bracketed parts such as
"(GBP)" ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from campaigns import resources
from campaigns.export_files import normalise_header


@dataclass(frozen=True)
class Derived:
    """A field computed from several columns: their sum, or the first less the others."""

    op: str  # "sum" | "difference"
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Preset:
    key: str
    tool: str
    report: str  # what the export is, as the tool calls it
    resource: str
    columns: Mapping[str, str]  # column name as the tool writes it → field
    derived: Mapping[str, Derived] = field(default_factory=dict)
    # Columns the export has that no field takes (shown as recognised, not warned about).
    ignored: tuple[str, ...] = ()
    # Date fields the export writes with a time of day ("Nov 4, 2026 10:00 AM"): the local date is kept.
    dated_times: tuple[str, ...] = ()
    # Cells the tool writes for "none" ("(not set)"): read as blank.
    blanks: frozenset[str] = frozenset()
    # The channel of the campaigns created from this export when it has no campaign type column:
    # every campaign of an ad platform is on its channel (a type column, when there, says more).
    channel: str = ""

    @property
    def label(self) -> str:
        return f"{self.tool} {self.report}"

    def names(self) -> set[str]:
        """Every column name of the export, normalised."""
        derived = (c for d in self.derived.values() for c in d.columns)
        return {normalise_header(c) for c in (*self.columns, *derived, *self.ignored)}


_SPEND_COMMON = ("Currency code", "Currency", "Account name", "Account ID", "Campaign status", "Campaign type")

PRESETS: tuple[Preset, ...] = (
    Preset(
        "google_ads_campaigns",
        "Google Ads",
        "campaign report",
        "spend",
        {"Campaign ID": "campaign", "Day": "date", "Cost": "cost", "Impr.": "impressions", "Clicks": "clicks"},
        ignored=(*_SPEND_COMMON, "Campaign", "CTR", "Avg. CPC", "Conversions", "Cost / conv.", "Interactions"),
        channel="paid_search",
    ),
    Preset(
        "microsoft_ads_campaigns",
        "Microsoft Ads",
        "campaign performance report",
        "spend",
        {
            "Campaign ID": "campaign",
            "Gregorian date": "date",
            "Spend": "cost",
            "Impressions": "impressions",
            "Clicks": "clicks",
        },
        ignored=(*_SPEND_COMMON, "Campaign name", "Time period", "CTR", "Avg. CPC", "Conversions"),
        channel="paid_search",
    ),
    Preset(
        "linkedin_campaigns",
        "LinkedIn Campaign Manager",
        "campaign performance report",
        "spend",
        {
            "Campaign ID": "campaign",
            "Start Date (in UTC)": "date",
            "Total Spent": "cost",
            "Impressions": "impressions",
            "Clicks": "clicks",
        },
        ignored=(
            *_SPEND_COMMON,
            "Campaign Name",
            "Campaign Group Name",
            "Campaign Group ID",
            "Campaign Start Date",
            "Campaign End Date",
            "Campaign Status",
            "Average CPM",
            "Average CPC",
            "Leads",
        ),
        channel="paid_social",
    ),
    Preset(
        "meta_ads_campaigns",
        "Meta Ads",
        "campaign report",
        "spend",
        {
            "Campaign ID": "campaign",
            "Reporting starts": "date",
            "Amount spent": "cost",
            "Impressions": "impressions",
            "Link clicks": "clicks",
        },
        ignored=(*_SPEND_COMMON, "Campaign name", "Reporting ends", "Reach", "Results", "Result indicator", "CPC"),
        channel="paid_social",
    ),
    Preset(
        "hubspot_contacts",
        "HubSpot",
        "contacts export",
        "leads",
        {
            "Record ID": "external_id",
            "Email": "email",
            "Associated Company ID": "account",
            "Original Source Drill-Down 2": "source_campaign",
            "Create Date": "created_at",
            "Became a Marketing Qualified Lead Date": "mql_at",
            "Became a Sales Qualified Lead Date": "sql_at",
            "Became an Opportunity Date": "sqo_at",
        },
        ignored=(
            "First Name",
            "Last Name",
            "Lifecycle Stage",
            "Original Source",
            "Original Source Drill-Down 1",
            "Contact owner",
            "Lead Status",
        ),
    ),
    Preset(
        "hubspot_companies",
        "HubSpot",
        "companies export",
        "accounts",
        {
            "Record ID": "external_id",
            "Company name": "name",
            "Company Domain Name": "domain",
            "Industry": "industry",
            "Number of Employees": "employees",
            "Target Account": "is_target",
        },
        ignored=("Company owner", "Create Date", "Lifecycle Stage", "City", "Country/Region", "Phone Number"),
    ),
    Preset(
        "hubspot_deals",
        "HubSpot",
        "deals export",
        "deals",
        {
            "Record ID": "external_id",
            "Deal Name": "name",
            "Amount": "amount",
            "Deal Stage": "status",
            "Create Date": "created_at",
            "Close Date": "closed_at",
            "Associated Company IDs": "account",
            "Associated Contact IDs": "lead",
        },
        ignored=("Pipeline", "Deal owner", "Deal Type", "Associated Company", "Associated Contact"),
    ),
    Preset(
        "salesforce_opportunities",
        "Salesforce",
        "opportunities report",
        "deals",
        {
            "Opportunity ID": "external_id",
            "Opportunity Name": "name",
            "Account ID": "account",
            "Amount": "amount",
            "Stage": "status",
            "Created Date": "created_at",
            "Close Date": "closed_at",
            "Primary Campaign Source": "source_campaign",
        },
        ignored=("Account Name", "Opportunity Owner", "Probability (%)", "Fiscal Period", "Type", "Lead Source"),
    ),
    Preset(
        "salesforce_leads",
        "Salesforce",
        "leads report",
        "leads",
        {
            "Lead ID": "external_id",
            "Email": "email",
            "Create Date": "created_at",
            "Primary Campaign Source": "source_campaign",
            "MQL Date": "mql_at",
            "SQL Date": "sql_at",
        },
        ignored=("First Name", "Last Name", "Company / Account", "Lead Source", "Lead Status", "Lead Owner", "Title"),
    ),
    Preset(
        "mailchimp_campaigns",
        "Mailchimp",
        "campaign report",
        "email-stats",
        {
            "Title": "campaign",
            "Campaign Title": "campaign",
            "Send Date": "date",
            "Emails Sent": "sent",
            "Total Recipients": "sent",
            "Total Bounces": "bounces",
            "Unique Opens": "unique_opens",
            "Unique Clicks": "unique_clicks",
            "Unsubscribes": "unsubscribes",
            "Abuse Reports": "spam",
            "Abuse Complaints": "spam",
        },
        # Without a "Total Bounces" column, bounces are the hard and soft ones added.
        derived={"bounces": Derived("sum", ("Hard Bounces", "Soft Bounces"))},
        dated_times=("date",),
        ignored=(
            "Subject",
            "List",
            "Audience",
            "Total Recipients",
            "Successful Deliveries",
            "Open Rate",
            "Click Rate",
            "Total Opens",
            "Total Clicks",
        ),
    ),
    Preset(
        "ga4_traffic",
        "Google Analytics 4",
        "traffic acquisition export",
        "web-stats",
        {
            "Date": "date",
            "Session campaign": "campaign",
            "Sessions": "sessions",
            "Views": "page_views",
            "Total users": "users",
            "New users": "new_users",
        },
        derived={"bounced_sessions": Derived("difference", ("Sessions", "Engaged sessions"))},
        blanks=frozenset({"(direct)", "(not set)", "(organic)", "(referral)", "(none)"}),
        ignored=("Engagement rate", "Average engagement time per session", "Event count", "Key events", "Bounce rate"),
    ),
)


def available() -> list[Preset]:
    """The presets whose resource exists here, in the order above."""
    return [p for p in PRESETS if p.resource in resources.RESOURCES]


def by_key(key: str) -> Preset | None:
    return next((p for p in available() if p.key == key), None)


def best_match(headers: Sequence[str], resource: str | None = None) -> Preset | None:
    """The preset naming the most of the file's columns (at least two of its mapped ones), optionally of one resource.

    A tie goes to the preset whose mapped columns are the most completely present.
    """
    present = {normalise_header(h) for h in headers}
    best, best_key = None, (0, 0.0)
    for preset in available():
        if resource is not None and preset.resource != resource:
            continue
        mapped = {normalise_header(c) for c in preset.columns}
        hits = len(mapped & present)
        if hits < 2:
            continue
        key = (len(preset.names() & present), hits / len(mapped))
        if key > best_key:
            best, best_key = preset, key
    return best


def mapping_for(preset: Preset, headers: Sequence[str]) -> list[str]:
    """The field each column fills under the preset ("" for the others); each field at most once."""
    lookup = {normalise_header(c): name for c, name in preset.columns.items()}
    mapping, used = [], set()
    for header in headers:
        name = lookup.get(normalise_header(header), "")
        if name in used:
            name = ""
        used.add(name)
        mapping.append(name)
    return mapping


def derived_columns(preset: Preset | None, headers: Sequence[str]) -> dict[str, tuple[str, list[int]]]:
    """field → (op, indexes of its columns) for the preset's derived fields whose columns are all in the file."""
    if preset is None:
        return {}
    positions = {normalise_header(h): i for i, h in reversed(list(enumerate(headers)))}
    found = {}
    for name, derived in preset.derived.items():
        indexes = [positions.get(normalise_header(c)) for c in derived.columns]
        if None not in indexes:
            found[name] = (derived.op, [i for i in indexes if i is not None])
    return found


@cache
def _resource_names(resource: str) -> frozenset[str]:
    entry = resources.RESOURCES[resource]
    names = {normalise_header(spec.name) for spec in entry.fields}
    names.update(s for synonyms in entry.synonyms.values() for s in synonyms)
    return frozenset(names)


def recognised_columns(resource: str) -> dict[str, str]:
    """Normalised column name → the field of `resource` it names, from its synonyms and its presets."""
    entry = resources.RESOURCES[resource]
    found: dict[str, str] = {}
    for spec in entry.fields:
        found.setdefault(normalise_header(spec.name), spec.name)
    for name, synonyms in entry.synonyms.items():
        for synonym in synonyms:
            found.setdefault(synonym, name)
    for preset in available():
        if preset.resource == resource:
            for column, name in preset.columns.items():
                found.setdefault(normalise_header(column), name)
    return found


def known_columns() -> frozenset[str]:
    """Every column name any resource or preset knows, normalised: what a header row is recognised by."""
    names: set[str] = set()
    for name in resources.RESOURCES:
        names |= _resource_names(name)
    for preset in available():
        names |= preset.names()
    return frozenset(names)


def other_resources_naming(header: str, resource: str) -> list[str]:
    """The labels of the other resources a column name belongs to (a hint that another kind of data was meant)."""
    key = normalise_header(header)
    return [
        entry.label
        for name, entry in resources.RESOURCES.items()
        if name != resource and key in recognised_columns(name) and key not in _GENERIC
    ]


# Names too common to suggest another kind of data.
_GENERIC = frozenset({"id", "name", "date", "day", "campaign", "campaign id", "created", "key", "type", "status"})


def describe(presets: Iterable[Preset]) -> list[tuple[str, str]]:
    """(key, label) choices for a form."""
    return [(p.key, f"{p.label} → {resources.label_of(p.resource)}") for p in presets]
