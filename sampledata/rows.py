"""The shapes of generated rows, which every sink reads.

Plain tuples, fields by position (fast to build and to render). References are
indexes into the other tables (None: no reference); timestamps are Unix seconds
(UTC), local dates are date ordinals in the workspace's time zone; money in cents.
"""

# (idx, external_id, name, channel, is_abm, starts_on, ends_on|None, budget_cents)
CampaignRow = tuple
# (campaign_idx, day, cost_cents, impressions, clicks)
SpendRow = tuple
# (idx, external_id, name, domain, industry, employees, is_target)
AccountRow = tuple
# (idx, external_id, email, account_idx|None, campaign_idx|None, created, mql|None, sql|None, sqo|None)
LeadRow = tuple
# (idx, external_id, account_idx, lead_idx|None, campaign_idx|None, name, amount_cents, mrr_cents,
#  status, created, closed|None, churned|None)
DealRow = tuple
# (kind, occurred, campaign_idx|None, lead_idx|None, account_idx|None, visitor_id, session_id, url, external_id|None)
TouchpointRow = tuple

TABLES = ("campaigns", "spend", "accounts", "leads", "deals", "touchpoints")

# The identifier columns of each table's rows (see the row shapes above): a generator's prefix goes there.
ID_COLUMNS = {"campaigns": (1,), "accounts": (1,), "leads": (1,), "deals": (1,), "touchpoints": (5, 6, 8)}
