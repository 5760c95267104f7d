"""Which KPIs each page shows, in what order: page layout, not KPI definition (that is `kpis.catalog`).

The dashboard's panels come from the catalogue entries' `panel`; the curated rows below only pick and
order names the catalogue defines (checked at import, so a renamed KPI fails loudly here).
"""

from __future__ import annotations

from kpis.catalog import KPIS

# The dashboard's headline cards, above the panels.
HEADLINE = (
    "spend",
    "leads",
    "cpl",
    "open_deals",
    "won_revenue",
    "roi",
    "mqls",
    "sqos",
    "cac",
    "new_customers",
    "mrr",
    "pipeline_velocity",
)
# A client's card on the agency overview.
OVERVIEW_KPIS = ("spend", "leads", "cpl", "open_deals", "won_revenue", "roi")
# The ABM page's cards.
ABM_KPIS = KPIS.where(group="ABM")

_unknown = {*HEADLINE, *OVERVIEW_KPIS} - set(KPIS.names)
if _unknown:
    raise ImportError(f"page layouts name KPIs the catalogue lacks: {sorted(_unknown)}")


def dashboard_panels() -> dict[str, tuple[str, ...]]:
    return KPIS.panels()


def dashboard_kpis() -> tuple[str, ...]:
    """Every KPI the dashboard reads: the headline, then each panel's."""
    return tuple(dict.fromkeys([*HEADLINE, *(n for names in dashboard_panels().values() for n in names)]))
