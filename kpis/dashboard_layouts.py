"""A dashboard's layout: which KPI cards and charts it shows, in which sections and order.

A workspace's editors may give it a layout of its own; an agency's owners and admins set the
default of every workspace without one; without either the built-in concise default applies
(`resolve`). A layout is the headline (KPI cards with their change and sparkline) and an ordered
list of sections, each an ordered list of items (a KPI name of the catalogue or a chart key) and
whether it starts open. Keys are checked against the catalogue and `CHARTS` when a layout is saved
(`validate`: unknown keys are refused) and dropped when one is read (`parse`), so a KPI removed
from the catalogue never breaks a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from accounts import audit
from accounts.models import Agency, AuditAction, Workspace
from accounts.tenancy import WorkspaceOwned, workspace_scope
from kpis.catalog import KPIS


class Chart(NamedTuple):
    route: str
    name: str
    title: str
    note: str = ""  # what the reader must know to read it (shown under its title)
    horizontal: bool = False
    tall: bool = False


CHART_PREFIX = "chart:"
FUNNEL_NOTE = (
    "A cohort: the leads created in the period and how many of them reached each stage since. “Won” counts"
    " those leads' won deals, not the deals won in the period (the Deals won and New customers cards),"
    " which often come from earlier leads."
)
# Every chart a layout may place, by key.
CHARTS: dict[str, Chart] = {
    f"{CHART_PREFIX}{chart.name}": chart
    for chart in (
        Chart("kpis-chart-spend-leads", "spend-leads", "Spend and leads over time"),
        Chart("kpis-chart-channels", "channels", "Channel breakdown", horizontal=True, tall=True),
        Chart("kpis-chart-funnel", "funnel", "Funnel: leads → MQL → SQL → SQO → won", FUNNEL_NOTE),
        Chart("kpis-chart-cost-trend", "cost-trend", "CPL and CAC trends"),
        Chart("kpis-chart-recurring", "recurring", "MRR and churn"),
        Chart("kpis-chart-email", "email", "Email sends and rates"),
        Chart("kpis-chart-web", "web", "Web traffic"),
        Chart("kpis-chart-social", "social", "Social engagement"),
    )
}
# The chart heading each catalogue panel in the built-in layout.
PANEL_CHARTS = {
    "Funnel": "chart:funnel",
    "Cost": "chart:cost-trend",
    "Recurring revenue": "chart:recurring",
    "Email": "chart:email",
    "Web": "chart:web",
    "Social": "chart:social",
}
# Counts the built-in layout adds to a panel's section (they belong to no catalogue panel).
PANEL_EXTRAS = {"Funnel": ("mqls", "sqos", "new_customers", "pipeline_velocity")}
TRENDS = "trends"
HEADLINE_KEY = "headline"  # the headline's key in the editor's form (never a section's)
# The concise default's headline: what a marketer asks first.
DEFAULT_HEADLINE = ("spend", "leads", "cpl", "open_deals", "won_revenue", "roi")
# The built-in layout's sections open on arrival (the rest start collapsed).
OPEN_SECTIONS = 2
MAX_ITEMS = 100


def section_titles() -> dict[str, str]:
    """Every section a layout may hold, by key: the trends, then the catalogue's panels."""
    return {TRENDS: "Trends", **{slugify(title): title for title in KPIS.panels()}}


def is_known(key: str) -> bool:
    return key in CHARTS or key in KPIS


@dataclass
class Section:
    key: str
    title: str
    items: list[str] = field(default_factory=list)
    open: bool = True

    @property
    def charts(self) -> list[Chart]:
        return [CHARTS[key] for key in self.items if key in CHARTS]

    @property
    def kpis(self) -> list[str]:
        return [key for key in self.items if key in KPIS]


@dataclass
class Layout:
    headline: list[str]
    sections: list[Section]
    # Where it comes from: "workspace", "agency" or "built-in".
    source: str = "built-in"

    def kpis(self) -> tuple[str, ...]:
        """Every KPI the page shows: the headline's, then each section's."""
        return tuple(dict.fromkeys([*self.headline, *(k for s in self.sections for k in s.kpis)]))

    def as_json(self) -> dict:
        return {
            "headline": list(self.headline),
            "sections": [{"key": s.key, "items": list(s.items), "open": s.open} for s in self.sections],
        }


def built_in() -> Layout:
    """The concise default: six headline KPIs, then the trends and a section per catalogue panel."""
    sections = [Section(TRENDS, "Trends", ["chart:spend-leads", "chart:channels"])]
    for title, names in KPIS.panels().items():
        chart = PANEL_CHARTS.get(title)
        items = [*([chart] if chart else []), *PANEL_EXTRAS.get(title, ()), *names]
        sections.append(Section(slugify(title), title, _unique(items)))
    for index, section in enumerate(sections):
        section.open = index < OPEN_SECTIONS
    return Layout(list(DEFAULT_HEADLINE), sections)


def _unique(keys) -> list[str]:
    return list(dict.fromkeys(str(key) for key in keys))


def parse(data: object, source: str) -> Layout:
    """A stored layout as the page reads it: unknown sections and keys left out, never an error."""
    data = data if isinstance(data, dict) else {}
    titles = section_titles()
    headline = [key for key in _unique(data.get("headline") or []) if key in KPIS]
    sections = []
    for raw in data.get("sections") or []:
        if not isinstance(raw, dict) or raw.get("key") not in titles or raw["key"] in {s.key for s in sections}:
            continue
        items = [key for key in _unique(raw.get("items") or []) if is_known(key)]
        sections.append(Section(raw["key"], titles[raw["key"]], items, bool(raw.get("open"))))
    return Layout(headline, sections, source)


def validate(data: dict) -> Layout:
    """A layout to save: every section and key must be known (a ValidationError naming the others)."""
    titles = section_titles()
    unknown = [key for key in data.get("headline", []) if key not in KPIS]
    keys = [s.get("key") for s in data.get("sections", [])]
    unknown += [f"section {key}" for key in keys if key not in titles]
    unknown += [key for s in data.get("sections", []) for key in s.get("items", []) if not is_known(key)]
    if unknown:
        raise ValidationError(f"Unknown on this dashboard: {', '.join(sorted(set(map(str, unknown))))}.")
    if len(set(keys)) != len(keys):
        raise ValidationError("A section appears twice.")
    if sum(len(s.get("items", [])) for s in data.get("sections", [])) + len(data.get("headline", [])) > MAX_ITEMS:
        raise ValidationError(f"A layout holds at most {MAX_ITEMS} cards and charts.")
    return parse(data, "workspace")


# --------------------------------------------------------------------------------- storage


class WorkspaceLayout(WorkspaceOwned):
    """A workspace's own layout (at most one)."""

    layout = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "kpis"
        constraints = [models.UniqueConstraint(fields=["workspace"], name="kpis_workspacelayout_one")]

    def __str__(self) -> str:
        return f"Dashboard layout of workspace {self.workspace_id}"


class AgencyLayout(models.Model):
    """An agency's default for its workspaces without a layout of their own (not a workspace's data)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    layout = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "kpis"

    def __str__(self) -> str:
        return f"Default dashboard layout of agency {self.agency_id}"


def agency_layout(agency: Agency) -> Layout:
    """The agency's default, else the built-in one."""
    stored = AgencyLayout.objects.filter(agency=agency).values_list("layout", flat=True).first()
    return parse(stored, "agency") if stored is not None else built_in()


def resolve(workspace: Workspace) -> Layout:
    """The layout a workspace's dashboard shows: its own, else its agency's default, else the built-in one."""
    with workspace_scope(workspace):
        stored = WorkspaceLayout.objects.values_list("layout", flat=True).first()
    return parse(stored, "workspace") if stored is not None else agency_layout(workspace.agency)


def _summary(layout: Layout) -> dict:
    """What the audit log keeps of a saved layout, as the audit page reads it ("leads, spend")."""
    shown = [f"{s.key} ({', '.join(s.items)})" for s in layout.sections if s.items]
    return {"headline": ", ".join(layout.headline), "sections": "; ".join(shown)}


def workspace_layout_save(*, workspace: Workspace, data: dict) -> Layout:
    """Save a workspace's layout (ValidationError when it names unknown keys), audited."""
    layout = validate(data)
    with workspace_scope(workspace), transaction.atomic():
        WorkspaceLayout.objects.update_or_create(workspace=workspace, defaults={"layout": layout.as_json()})
        audit.record(AuditAction.LAYOUT_SAVED, workspace=workspace, target=("layout", workspace.pk, workspace.name),
                     **_summary(layout))  # fmt: skip
    return layout


def workspace_layout_reset(*, workspace: Workspace) -> None:
    """Back to the agency's default: the workspace's own layout goes (audited when there was one)."""
    with workspace_scope(workspace), transaction.atomic():
        deleted, _ = WorkspaceLayout.objects.all().delete()
        if deleted:
            audit.record(AuditAction.LAYOUT_RESET, workspace=workspace, target=("layout", workspace.pk, workspace.name))


def agency_layout_save(*, agency: Agency, data: dict) -> Layout:
    layout = validate(data)
    with transaction.atomic():
        AgencyLayout.objects.update_or_create(agency=agency, defaults={"layout": layout.as_json()})
        audit.record(AuditAction.LAYOUT_SAVED, agency=agency, target=("agency-layout", agency.pk, agency.name),
                     **_summary(layout))  # fmt: skip
    return layout


def agency_layout_reset(*, agency: Agency) -> None:
    with transaction.atomic():
        deleted, _ = AgencyLayout.objects.filter(agency=agency).delete()
        if deleted:
            audit.record(AuditAction.LAYOUT_RESET, agency=agency, target=("agency-layout", agency.pk, agency.name))
