"""Which KPIs each page shows, in what order: page layout, not KPI definition (that is `kpis.catalog`).

The dashboard's layout is `kpis.dashboard_layouts` (per workspace, agency default, built-in); the
curated rows below only pick and order names the catalogue defines (checked at import, so a renamed KPI fails loudly here).
"""

from __future__ import annotations

from kpis import dashboard_layouts
from kpis.catalog import KPIS

# The dashboard's headline cards in the built-in layout (a workspace or agency may choose others).
HEADLINE = dashboard_layouts.DEFAULT_HEADLINE
# A client's card on the agency overview.
OVERVIEW_KPIS = ("spend", "leads", "cpl", "open_deals", "won_revenue", "roi")
# The ABM page's cards.
ABM_KPIS = KPIS.where(group="ABM")

_unknown = {*HEADLINE, *OVERVIEW_KPIS} - set(KPIS.names)
if _unknown:
    raise ImportError(f"page layouts name KPIs the catalogue lacks: {sorted(_unknown)}")


def dashboard_kpis() -> tuple[str, ...]:
    """Every KPI the built-in dashboard layout shows: the headline, then each section's."""
    return dashboard_layouts.built_in().kpis()
