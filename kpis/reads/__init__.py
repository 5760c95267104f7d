"""The read side's query groups, each in its module with its one-period and many-period read side by side.

A catalogue entry names the groups its KPI reads (`kpis.catalog.Reads`). `kpis.selectors` runs the
groups the asked KPIs need and hands their inputs to `kpis.values.assemble`:

- `one(workspace, first_day, last_day, scope)`: the inputs of one period, as a dict;
- `many(workspace, periods, scope)`: a dict per period of consecutive periods, reading the span once
  where the group can (per-day rollup rows summed into the periods, or one GROUP BY over a
  day → period list). Customers, target accounts and a narrowed read's visitors read period by period.

The number of queries is fixed: it grows with neither the campaigns nor the length of the range.
"""

from kpis.catalog import Reads
from kpis.reads import balances, components, customers, email, seo, target_accounts, visitors, won_deals
from kpis.reads.scope import Scope

GROUPS = {
    Reads.COMPONENTS: components,
    Reads.WON_DEALS: won_deals,
    Reads.BALANCES: balances,
    Reads.RECURRING: customers,
    Reads.EMAIL_UNIQUE: email,
    Reads.WEB: visitors,
    Reads.ABM: target_accounts,
    Reads.SEO: seo,
}

__all__ = ["GROUPS", "Scope"]
