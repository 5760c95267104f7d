"""Values of a client's files that mean something here, set once per workspace and reused by every import.

Two kinds (`ImportMapping.Kind`):

- a CRM's pipeline **stage** → a deal status (open, won or lost): HubSpot's and
  Salesforce's default pipelines are built in; any other stage found in a file is
  listed in the import's preview for the user to choose, and remembered;
- an ad platform's **campaign type** or objective → a channel (Google Ads, Microsoft
  Ads, LinkedIn, Meta built in; others chosen once).

It also plans the campaigns a spend or stats file names and the workspace lacks:
the import's preview lists them, and, once confirmed, the commit creates them first.

Values are compared normalised: lower case, letters and digits only, so
"Closed Won", "closed_won" and "closedwon" are one stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Max

from accounts.models import Workspace
from campaigns import import_presets, resources, selectors
from campaigns.models import Campaign, Channel, DealStatus, ImportJob, ImportMapping

Kind = ImportMapping.Kind

# A stage or type longer than this is not a label a tool writes: it is neither listed nor remembered.
MAX_VALUE_CHARS = 255
# At most this many unknown values are listed in a preview (a wrongly mapped column could have thousands).
MAX_LISTED = 50


def normalise(value: str) -> str:
    """'Closed Won', 'closed_won', 'closedwon' → 'closedwon'; 'Id. Decision Makers' → 'iddecisionmakers'."""
    return re.sub(r"[^0-9a-z]+", "", value.lower())


DEFAULT_STAGES: dict[str, str] = {
    # HubSpot's default sales pipeline (internal stage ids, as its exports write them).
    "appointmentscheduled": DealStatus.OPEN,
    "qualifiedtobuy": DealStatus.OPEN,
    "presentationscheduled": DealStatus.OPEN,
    "decisionmakerboughtin": DealStatus.OPEN,
    "contractsent": DealStatus.OPEN,
    "closedwon": DealStatus.WON,
    "closedlost": DealStatus.LOST,
    # Salesforce's default opportunity stages.
    "prospecting": DealStatus.OPEN,
    "qualification": DealStatus.OPEN,
    "needsanalysis": DealStatus.OPEN,
    "valueproposition": DealStatus.OPEN,
    "iddecisionmakers": DealStatus.OPEN,
    "perceptionanalysis": DealStatus.OPEN,
    "proposalpricequote": DealStatus.OPEN,
    "negotiationreview": DealStatus.OPEN,
    # Our own statuses, and the common ways of writing them.
    "open": DealStatus.OPEN,
    "inprogress": DealStatus.OPEN,
    "won": DealStatus.WON,
    "lost": DealStatus.LOST,
}

DEFAULT_CAMPAIGN_TYPES: dict[str, str] = {
    # Google Ads campaign types (and Microsoft Ads' "Search").
    "search": Channel.PAID_SEARCH,
    "display": Channel.DISPLAY,
    "performancemax": Channel.PAID_SEARCH,
    "video": Channel.DISPLAY,
    "shopping": Channel.PAID_SEARCH,
    "demandgen": Channel.DISPLAY,
    # Microsoft Ads.
    "audience": Channel.DISPLAY,
    # LinkedIn Campaign Manager.
    "sponsoredcontent": Channel.PAID_SOCIAL,
    "sponsoredmessaging": Channel.PAID_SOCIAL,
    "textads": Channel.PAID_SOCIAL,
    # Meta's campaign objectives (with the OUTCOME_ prefix of its API too).
    **{
        name: Channel.PAID_SOCIAL
        for objective in ("awareness", "traffic", "engagement", "leads", "sales")
        for name in (objective, f"outcome{objective}")
    },
    # Our own channels, by value and label, and the usual abbreviations.
    **{normal: channel.value for channel in Channel for normal in {normalise(channel.value), normalise(channel.label)}},
    "ppc": Channel.PAID_SEARCH,
    "sem": Channel.PAID_SEARCH,
    "webinars": Channel.WEBINAR,
    "event": Channel.EVENTS,
}

CHOICES: dict[str, list[tuple[str, str]]] = {
    Kind.STAGE: [(s.value, s.label) for s in DealStatus],
    Kind.CAMPAIGN_TYPE: list(Channel.choices),
}

# The deal field and the campaign field these mappings fill.
FIELD_KIND = {("deals", "status"): Kind.STAGE, ("campaigns", "channel"): Kind.CAMPAIGN_TYPE}

# The channel of a campaign created from a file without a type column, by resource; others get "other".
NATURAL_CHANNEL = {
    "email-stats": Channel.EMAIL,
    "social-stats": Channel.ORGANIC_SOCIAL,
    "seo-stats": Channel.SEO,
}

# Column names (normalised as the import's headers are) of a campaign's name and type in spend or stats files.
NAME_HEADERS = ("campaign", "campaign name", "campaign title")
TYPE_HEADERS = (
    "campaign type",
    "advertising channel type",
    "campaign objective",
    "objective",
    "campaign sub type",
)


def _normalise_header(header: str) -> str:
    header = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", header.strip().lower())
    return re.sub(r"[^0-9a-z]+", " ", header).strip()


def _defaults(kind: str) -> dict[str, str]:
    return {
        key: str(value) for key, value in (DEFAULT_STAGES if kind == Kind.STAGE else DEFAULT_CAMPAIGN_TYPES).items()
    }


def table(kind: str, workspace: Workspace | None = None) -> dict[str, str]:
    """The workspace's (default: the current one's) mapping of this kind: the built-in defaults,
    overridden by its own choices."""
    merged = _defaults(kind)
    if workspace is None:
        merged.update(ImportMapping.objects.filter(kind=kind).values_list("source_value", "target"))
    elif workspace.pk is not None:
        # Filtered by this workspace by hand: a plan is built before any scope (e.g. by a worker).
        merged.update(
            ImportMapping.objects.unscoped()
            .filter(workspace_id=workspace.pk, kind=kind)
            .values_list("source_value", "target")
        )
    return merged


def remember(*, kind: str, choices: dict[str, tuple[str, str]]) -> int:
    """Store the user's choices {normalised: (label as in the file, target)} for the current workspace.

    A choice equal to the built-in default is stored too: the user decided it. Returns how many were saved.
    """
    valid = {value for value, _label in CHOICES[kind]}
    saved = 0
    for source_value, (label, target) in choices.items():
        if target not in valid or not source_value or len(source_value) > MAX_VALUE_CHARS:
            continue
        ImportMapping.objects.update_or_create(
            kind=kind, source_value=source_value, defaults={"label": label[:MAX_VALUE_CHARS], "target": target}
        )
        saved += 1
    return saved


def mapping_list() -> list[ImportMapping]:
    return list(ImportMapping.objects.order_by("kind", "source_value"))


def mapping_get(*, mapping_id: int) -> ImportMapping | None:
    return ImportMapping.objects.filter(pk=mapping_id).first()


# ---------------------------------------------------------------- converting an import's cells

Adjust = Callable[[dict[str, Any], dict[str, str]], list[tuple[str, str]]]


def item_adjuster(workspace: Workspace, resource_name: str, mapped: Iterable[str]) -> Adjust | None:
    """What turns a converted row's stage into a status and its campaign type into a channel, if anything.

    The returned function changes the item in place and returns the problems [(field, message)].
    Reads the workspace's mappings once (the import's plan is built once per pass).
    """
    mapped = set(mapped)
    kinds = {
        name: kind for (resource, name), kind in FIELD_KIND.items() if resource == resource_name and name in mapped
    }
    if not kinds:
        return None
    tables = {name: table(kind, workspace) for name, kind in kinds.items()}

    def adjust(item: dict[str, Any], raw: dict[str, str]) -> list[tuple[str, str]]:
        problems = []
        for name, lookup in tables.items():
            cell = raw.get(name, "").strip()
            if not cell:
                continue
            target = lookup.get(normalise(cell))
            if target is None:
                problems.append((name, _unknown_message(kinds[name], cell)))
                if name == "status":
                    item["closed_at"] = None  # the row is refused for its stage alone, not also for its date
            else:
                item[name] = target
        if "status" in tables and item.get("status") == DealStatus.OPEN:
            # A CRM's "Close Date" of an open deal is its expected date: not a close (docs/kpis.md, "Deal").
            item["closed_at"] = None
        return problems

    return adjust


def _unknown_message(kind: str, cell: str) -> str:
    if kind == Kind.STAGE:
        return f"Pipeline stage “{cell}” is not mapped: choose open, won or lost for it in the preview."
    return f"Campaign type “{cell}” is not mapped: choose its channel in the preview."


# ---------------------------------------------------------------- what a preview lists


@dataclass
class Unknown:
    """A value of the file no mapping knows: listed with a choice to make."""

    kind: str
    source_value: str
    label: str
    rows: int = 0


@dataclass
class NewCampaign:
    external_id: str
    name: str
    channel: str
    type_label: str = ""


@dataclass
class Sections:
    """What the import's preview adds for the mappings, from the whole file."""

    unknown: list[Unknown] = field(default_factory=list)
    unknown_more: int = 0
    open_with_close_date: int = 0
    new_campaigns: list[NewCampaign] = field(default_factory=list)
    new_campaigns_more: int = 0
    campaign_column: str = ""


@dataclass(frozen=True)
class CampaignColumns:
    """The columns of a spend or stats file that name a campaign: its key, and its name and type if any."""

    field_name: str
    key_index: int
    name_index: int | None
    type_index: int | None


def campaign_columns(resource_name: str, headers: Sequence[str], mapping: Sequence[str]) -> CampaignColumns | None:
    """Where a file of a resource keyed by campaign (spend, stats) names its campaigns; None for other files."""
    resource = resources.RESOURCES[resource_name]
    spec = next((s for s in resource.fields if s.ref == "campaign" and s.key), None)
    if spec is None or spec.name not in mapping:
        return None
    key_index = list(mapping).index(spec.name)
    normal = [_normalise_header(h) for h in headers]

    def find(names: Sequence[str]) -> int | None:
        for name in names:
            for index, header in enumerate(normal):
                if header == name and not mapping[index]:
                    return index
        return None

    return CampaignColumns(spec.name, key_index, find(NAME_HEADERS), find(TYPE_HEADERS))


def planned_campaigns(
    resource_name: str,
    headers: Sequence[str],
    mapping: Sequence[str],
    rows: Iterable[tuple[int, list[str]]],
    preset: str = "",
) -> list[NewCampaign]:
    """The campaigns the file names that the current workspace lacks, each once, in the file's order.

    external_id: the key column's cell (a campaign id, or the name when that is the only column);
    name: the name column's cell, else the id; channel: the type column mapped, else the preset's ad
    platform's (`Preset.channel`), else the resource's. A cell the preset reads as blank ("(direct)") names none.
    """
    columns = campaign_columns(resource_name, headers, mapping)
    if columns is None:
        return []
    seen: dict[str, NewCampaign] = {}
    types = table(Kind.CAMPAIGN_TYPE)
    chosen = import_presets.by_key(preset)
    natural = chosen.channel if chosen and chosen.channel else str(NATURAL_CHANNEL.get(resource_name, Channel.OTHER))
    blanks = chosen.blanks if chosen else frozenset()
    for _number, cells in rows:
        external_id = _cell(cells, columns.key_index)
        if not external_id or external_id in seen or external_id in blanks:
            continue
        name = _cell(cells, columns.name_index) or external_id
        type_label = _cell(cells, columns.type_index)
        channel = types.get(normalise(type_label), natural) if type_label else natural
        seen[external_id] = NewCampaign(external_id, name, channel, type_label)
    wanted = list(seen)
    existing: set[str] = set()
    for start in range(0, len(wanted), 1000):
        existing |= selectors.reference_ids(ref="campaign", external_ids=set(wanted[start : start + 1000])).keys()
    return [campaign for key, campaign in seen.items() if key not in existing]


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def sections(
    workspace: Workspace,
    resource_name: str,
    headers: Sequence[str],
    mapping: Sequence[str],
    rows: Iterable[tuple[int, list[str]]],
    preset: str = "",
) -> Sections:
    """The preview's mapping sections, from every row: unknown stages and types, open deals' close
    dates ignored, campaigns to create."""
    rows = list(rows)
    out = Sections()
    lookups: list[tuple[str, int]] = []
    for (resource, name), kind in FIELD_KIND.items():
        if resource == resource_name and name in mapping:
            lookups.append((kind, list(mapping).index(name)))
    columns = campaign_columns(resource_name, headers, mapping)
    if columns is not None and columns.type_index is not None:
        lookups.append((Kind.CAMPAIGN_TYPE, columns.type_index))
    unknown: dict[tuple[str, str], Unknown] = {}
    for kind, index in lookups:
        known = table(kind)
        for _number, cells in rows:
            cell = _cell(cells, index)
            normal = normalise(cell)
            if not normal or normal in known or len(cell) > MAX_VALUE_CHARS:
                continue
            entry = unknown.setdefault((kind, normal), Unknown(kind, normal, cell))
            entry.rows += 1
    out.unknown = list(unknown.values())[:MAX_LISTED]
    out.unknown_more = max(len(unknown) - MAX_LISTED, 0)
    if resource_name == "deals" and "status" in mapping and "closed_at" in mapping:
        stages = table(Kind.STAGE)
        status_index, close_index = list(mapping).index("status"), list(mapping).index("closed_at")
        out.open_with_close_date = sum(
            1
            for _number, cells in rows
            if _cell(cells, close_index) and stages.get(normalise(_cell(cells, status_index))) == DealStatus.OPEN
        )
    if columns is not None:
        planned = planned_campaigns(resource_name, headers, mapping, rows, preset)
        out.new_campaigns = planned[:MAX_LISTED]
        out.new_campaigns_more = max(len(planned) - MAX_LISTED, 0)
        out.campaign_column = headers[columns.key_index]
    return out


def _sections_key(workspace: Workspace, mapping: Sequence[str], preset: str) -> dict[str, Any]:
    """What the sections depend on besides the file: the mapping, the workspace's choices and campaigns."""
    choices = ImportMapping.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return {
        "mapping": list(mapping),
        "preset": preset,
        "choices": [choices["n"], str(choices["last"])],
        "campaigns": Campaign.objects.count(),
        "currency": workspace.currency,
    }


def sections_as_stored(
    workspace: Workspace,
    resource_name: str,
    headers: Sequence[str],
    mapping: Sequence[str],
    rows: Callable[[], Iterable[tuple[int, list[str]]]],
    stored: Mapping[str, Any] | None = None,
    preset: str = "",
) -> dict[str, Any]:
    """The sections as JSON ({"key", "sections"}), reusing `stored` when built for the same key.

    Kept in `ImportJob.preview["mappings"]`, so that viewing an import's page parses nothing.
    """
    key = _sections_key(workspace, mapping, preset)
    if stored and stored.get("key") == key:
        return dict(stored)
    return {"key": key, "sections": asdict(sections(workspace, resource_name, headers, mapping, rows(), preset))}


def stored_sections(job: ImportJob, workspace: Workspace, rows: Callable[[], Iterable[tuple[int, list[str]]]]) -> dict:
    """The job's sections for its saved mapping, built again only when what they depend on changed."""
    current = job.preview.get("mappings")
    fresh = sections_as_stored(workspace, job.resource, job.headers, job.mapping, rows, current, job.preset)
    if fresh != current:
        job.preview["mappings"] = fresh
        ImportJob.objects.filter(pk=job.pk).update(preview=job.preview)
    return fresh["sections"]
