"""What a report can hold: its sections, each named by a key a template lists in order."""

from __future__ import annotations

from kpis.catalog import KPIS
from kpis.charts import CHARTS

# The headline KPIs of a report: each with its change against the comparison period.
HEADLINE_KPIS = ("spend", "leads", "cpl", "mqls", "sqos", "won_revenue", "roi", "new_customers")
TOP_CAMPAIGNS = 8


def _sections() -> dict[str, str]:
    sections = {"summary": "Executive summary", "headline": "Headline KPIs"}
    sections.update({f"chart:{name}": f"Chart: {view.title}" for name, view in CHARTS.items()})
    sections.update({"targets": "Targets", "top_campaigns": "Top campaigns"})
    groups = dict.fromkeys(KPIS[name].group for name in KPIS.names)
    sections.update({f"table:{group}": f"Table: {group} KPIs" for group in groups})
    return sections


SECTIONS: dict[str, str] = _sections()

# The default report: two to four pages, not every KPI.
DEFAULT_SECTIONS = (
    "summary",
    "headline",
    "chart:spend-leads",
    "chart:funnel",
    "chart:channels",
    "targets",
    "top_campaigns",
)


def section_choices() -> list[tuple[str, str]]:
    return list(SECTIONS.items())
