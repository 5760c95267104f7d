"""Real export files imported as the tools write them: no edit, through the import pages, KPIs equal the files.

Each sample under tests/fixtures/exports/ follows its tool's documented export:
preambles, totals rows and footers, number and date formats, encodings. The
expected figures are the files' own rows added by hand (totals rows left out),
written next to each test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.tenancy import workspace_scope
from campaigns import imports
from campaigns.models import Account, Deal, ImportJob, Lead, SpendEntry
from campaigns.resources import RESOURCES
from kpis.services import recompute_rollups
from tests.campaigns.test_csv_import import confirm, count, refreshed, upload, uploaded_job, url
from tests.data_factories import AccountFactory, CampaignFactory, LeadFactory

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def sample(name: str) -> bytes:
    return (EXPORTS / name).read_bytes()


@pytest.fixture
def gbp(workspace):
    workspace.currency = "GBP"
    workspace.save(update_fields=["currency"])
    return workspace


def imported(client, workspace, resource: str, name: str) -> ImportJob:
    """The sample uploaded and imported with the mapping the import suggests; it must succeed."""
    job = uploaded_job(client, workspace, resource, sample(name), name)
    assert confirm(client, workspace, job).status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    recompute_rollups(workspace_id=workspace.pk)
    return job


def kpis(api_client, **params) -> dict:
    response = api_client.get("/api/v1/kpis/", {**NOVEMBER, **params})
    assert response.status_code == 200, response.content
    return response.json()["metrics"]


def page(client, workspace, job) -> str:
    response = client.get(url(workspace, f"{job.pk}/"))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- ad platforms (spend)


def test_google_ads_utf16_tab_report_with_title_rows_and_totals(gbp, member_client, api_client):
    CampaignFactory(workspace=gbp, external_id="17430001", channel="paid_search")
    CampaignFactory(workspace=gbp, external_id="17430002", channel="display")
    job = uploaded_job(member_client, gbp, "spend", sample("google_ads_campaign_report.csv"))
    assert job.delimiter == "\t" and job.preset == "google_ads_campaigns" and job.total_rows == 4
    assert job.headers[:3] == ["Campaign status", "Campaign", "Campaign ID"]
    html = page(member_client, gbp, job)
    assert "Looks like a <strong>Google Ads campaign report</strong>" in html
    assert "6 lines of the file are not data" in html
    for line, cell in ((1, "Campaign performance report"), (8, "Total: Account"), (11, "Total: Campaigns")):
        assert f'<td class="num">{line}</td><td><code>{cell}</code></td>' in html

    imported(member_client, gbp, "spend", "google_ads_campaign_report.csv")
    metrics = kpis(api_client)
    # Cost 45.20 + 51.75 + 30.00 + 28.40; Impr. 1,204 + 1,310 + 20,450 + 18,900; Clicks 98 + 105 + 61 + 55.
    assert (metrics["spend"], metrics["impressions"], metrics["clicks"]) == ("155.35", 41864, 319)
    assert kpis(api_client, campaign="17430002")["spend"] == "58.40"  # 30.00 + 28.40


def test_microsoft_ads_preamble_us_dates_settled_by_the_file_and_copyright_footer(gbp, member_client, api_client):
    CampaignFactory(workspace=gbp, external_id="880001")
    CampaignFactory(workspace=gbp, external_id="880002")
    job = uploaded_job(member_client, gbp, "spend", sample("microsoft_ads_campaign_report.csv"))
    assert job.preset == "microsoft_ads_campaigns" and job.total_rows == 4
    html = page(member_client, gbp, job)
    # 11/13/2026 and 11/14/2026 can only be month first: 11/1/2026 is read the same way, nothing to choose.
    assert "read as <strong>MM/DD/YYYY (US)</strong>" in html
    assert "could be day/month or month/day" not in html
    assert "©2026 Microsoft Corporation." in html and "a footer line" in html

    imported(member_client, gbp, "spend", "microsoft_ads_campaign_report.csv")
    with workspace_scope(gbp):
        days = sorted(SpendEntry.objects.values_list("date", flat=True))
    assert days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 13), date(2026, 11, 14)]
    metrics = kpis(api_client)
    # Spend 22.10 + 19.80 + 25.00 + 31.45; Impressions 512 + 498 + 1,250 + 1,410; Clicks 40 + 36 + 31 + 37.
    assert (metrics["spend"], metrics["impressions"], metrics["clicks"]) == ("98.35", 3670, 144)


def test_linkedin_preamble_and_start_date_in_utc(gbp, member_client, api_client):
    CampaignFactory(workspace=gbp, external_id="210001")
    CampaignFactory(workspace=gbp, external_id="210002")
    job = imported(member_client, gbp, "spend", "linkedin_campaign_performance.csv")
    assert job.preset == "linkedin_campaigns"
    assert job.mapping[:1] == ["date"] and job.mapping[job.headers.index("Total Spent")] == "cost"
    metrics = kpis(api_client)
    # Total Spent 120.50 + 98.25 + 143.00 + 87.75; Impressions 4500 + 3900 + 6100 + 3300; Clicks 38 + 30 + 52 + 21.
    assert (metrics["spend"], metrics["impressions"], metrics["clicks"]) == ("449.50", 17800, 141)
    with workspace_scope(gbp):
        assert SpendEntry.objects.filter(date=date(2026, 11, 16)).get().cost == Decimal("143.00")


def test_meta_ads_amount_spent_in_the_workspace_currency(gbp, member_client, api_client):
    CampaignFactory(workspace=gbp, external_id="120210000000000001")
    CampaignFactory(workspace=gbp, external_id="120210000000000002")
    job = imported(member_client, gbp, "spend", "meta_ads_campaigns.csv")
    assert job.preset == "meta_ads_campaigns"
    metrics = kpis(api_client)
    # Amount spent (GBP) 35.60 + 41.20 + 18.95 + 22.05; Impressions 4210 + 4480 + 3010 + 3300; Link clicks 57+63+22+27.
    assert (metrics["spend"], metrics["impressions"], metrics["clicks"]) == ("117.80", 15000, 169)


def test_a_header_naming_another_currency_is_refused_naming_it(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="120210000000000001")
    CampaignFactory(workspace=workspace, external_id="120210000000000002")
    job = uploaded_job(member_client, workspace, "spend", sample("meta_ads_campaigns.csv"))  # a USD workspace
    assert "This column is in GBP, but this workspace&#x27;s currency is USD" in page(member_client, workspace, job)
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["column"], e["row"]) for e in job.errors] == [("Amount spent (GBP)", None)]
    assert count(workspace, SpendEntry) == 0


def test_a_currency_column_naming_another_currency_is_an_error_per_cell(gbp, member_client):
    CampaignFactory(workspace=gbp, external_id="c-1")
    content = "Campaign ID,Day,Currency code,Cost\nc-1,2026-11-01,GBP,10.00\nc-1,2026-11-02,EUR,12.00\n"
    job = uploaded_job(member_client, gbp, "spend", content)
    confirm(member_client, gbp, job)
    job = refreshed(gbp, job)
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(3, "Currency code", "EUR")]
    assert "currency is GBP" in job.errors[0]["message"]
    assert count(gbp, SpendEntry) == 0


# ---------------------------------------------------------------- CRMs


def test_hubspot_companies(workspace, member_client):
    job = imported(member_client, workspace, "accounts", "hubspot_companies.csv")
    assert job.preset == "hubspot_companies"
    with workspace_scope(workspace):
        accounts = {a.external_id: (a.name, a.domain, a.employees) for a in Account.objects.all()}
    assert accounts == {
        "9001": ("Acme Ltd", "acme.example", 1200),
        "9002": ("Globex", "globex.example", 250),
        "9003": ("Initech", "initech.example", None),
    }


def test_hubspot_contacts_keep_mql_sql_company_and_campaign(workspace, member_client, api_client):
    AccountFactory(workspace=workspace, external_id="9001")
    AccountFactory(workspace=workspace, external_id="9002")
    CampaignFactory(workspace=workspace, external_id="brand-search-uk")
    CampaignFactory(workspace=workspace, external_id="abm-finance")
    job = uploaded_job(member_client, workspace, "leads", sample("hubspot_contacts.csv"))
    mapped = dict(zip(job.headers, job.mapping, strict=True))
    assert mapped["Became a Marketing Qualified Lead Date"] == "mql_at"
    assert mapped["Became a Sales Qualified Lead Date"] == "sql_at"
    assert mapped["Associated Company ID"] == "account"
    assert mapped["Original Source Drill-Down 2"] == "source_campaign"
    # The company's name has no field on a lead: said, not dropped silently.
    assert "Column “Company Name” is not imported" in page(member_client, workspace, job)

    imported(member_client, workspace, "leads", "hubspot_contacts.csv")
    metrics = kpis(api_client)
    # 4 contacts created in November; MQL dates on 51001, 51002, 51004; an SQL date on 51001.
    assert (metrics["leads"], metrics["mqls"], metrics["sqls"]) == (4, 3, 1)
    assert kpis(api_client, campaign="brand-search-uk")["leads"] == 2  # 51001 and 51003
    with workspace_scope(workspace):
        assert Lead.objects.get(external_id="51002").account.external_id == "9001"


def test_a_hubspot_portal_companies_contacts_then_deals_as_exported(workspace, member_client, api_client):
    # The campaigns the contacts' "Original Source Drill-Down 2" names are not in a CRM's files.
    CampaignFactory(workspace=workspace, external_id="brand-search-uk")
    CampaignFactory(workspace=workspace, external_id="abm-finance")
    imported(member_client, workspace, "accounts", "hubspot_companies.csv")
    imported(member_client, workspace, "leads", "hubspot_contacts.csv")
    job = imported(member_client, workspace, "deals", "hubspot_deals.csv")
    assert job.preset == "hubspot_deals" and job.created_count == 3

    with workspace_scope(workspace):
        deals = {
            d.external_id: (d.status, d.amount, d.closed_at is not None, d.account.external_id, d.lead.external_id)
            for d in Deal.objects.select_related("account", "lead")
        }
    assert deals == {
        "7001": ("won", Decimal("45000.00"), True, "9001", "51001"),
        # presentationscheduled: open; its Close Date is the expected one, not a close. "51001;51002": the first.
        "7002": ("open", Decimal("12000.00"), False, "9001", "51001"),
        "7003": ("lost", Decimal("8000.00"), True, "9002", "51003"),
    }
    metrics = kpis(api_client)
    # November: 3 deals created (6, 11 and 13 Nov); 7001 won 25 Nov (45000), 7003 lost 28 Nov, 7002 still open.
    counts = [metrics[k] for k in ("deals_created", "deals_won", "deals_lost", "open_deals")]
    assert counts == [3, 1, 1, 1]
    assert (metrics["won_revenue"], metrics["avg_deal_size"]) == ("45000.00", "45000.00")  # 45000 ÷ 1
    assert metrics["win_rate"] == 0.5  # 1 won ÷ (1 won + 1 lost)
    assert metrics["new_customers"] == 1  # Acme (9001): its first won deal
    # 4 contacts created in November; 51001 is the lead of the won deal.
    assert (metrics["leads"], metrics["revenue_per_lead"], metrics["lead_to_customer_rate"]) == (4, "11250.00", 0.25)
    december = kpis(api_client, **{"from": "2026-12-01", "to": "2026-12-31"})
    # 7002's expected close on 15 Dec is not a close: still open at the end of December, nothing won.
    assert (december["open_deals"], december["deals_won"]) == (1, 0)
    # The deals have no campaign column: each takes its lead's (51001, 51003: brand-search-uk).
    by_campaign = kpis(api_client, campaign="brand-search-uk")
    assert (by_campaign["won_revenue"], by_campaign["deals_won"], by_campaign["deals_lost"]) == ("45000.00", 1, 1)
    assert kpis(api_client, campaign="abm-finance")["deals_created"] == 0


def test_a_stage_the_defaults_do_not_know_is_refused_as_exported_with_its_line(workspace, member_client):
    for account in ("9001", "9002"):
        AccountFactory(workspace=workspace, external_id=account)
    for lead in ("51001", "51002", "51003"):
        LeadFactory(workspace=workspace, external_id=lead)
    # A custom pipeline's stage: HubSpot exports its internal id, a number.
    content = sample("hubspot_deals.csv").replace(b'"presentationscheduled"', b'"98765432"')
    job = uploaded_job(member_client, workspace, "deals", content)
    assert job.preset == "hubspot_deals"
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(3, "Deal Stage", "98765432")]
    assert "“98765432” is not mapped" in job.errors[0]["message"]
    assert count(workspace, Deal) == 0


def test_salesforce_accounts_then_opportunities_pounds_uk_dates_and_footer(gbp, member_client, api_client):
    accounts = imported(member_client, gbp, "accounts", "salesforce_accounts.csv")
    assert accounts.created_count == 3
    job = uploaded_job(member_client, gbp, "deals", sample("salesforce_opportunities.csv"))
    assert job.preset == "salesforce_opportunities" and job.total_rows == 3
    html = page(member_client, gbp, job)
    assert "Grand Totals (3 records)" in html and "Confidential Information - Do Not Distribute" in html
    assert "read as <strong>DD/MM/YYYY</strong>" in html
    imported(member_client, gbp, "deals", "salesforce_opportunities.csv")
    with workspace_scope(gbp):
        deals = {d.external_id: (d.status, d.amount, d.closed_at) for d in Deal.objects.all()}
    assert deals == {
        "0065g00000Op01": ("won", Decimal("45000.00"), datetime(2026, 11, 14, tzinfo=UTC)),
        "0065g00000Op02": ("lost", Decimal("8000.00"), datetime(2026, 11, 28, tzinfo=UTC)),
        "0065g00000Op03": ("open", Decimal("67500.00"), None),  # Negotiation/Review; 15/12 is expected, not a close
    }
    metrics = kpis(api_client)
    # November: Op02 (11/11) and Op03 (03/11) created, Op01 on 02/10; Op01 won 14/11 (£45,000), Op02 lost 28/11.
    counts = [metrics[k] for k in ("deals_created", "deals_won", "deals_lost", "open_deals")]
    assert counts == [2, 1, 1, 1]
    assert (metrics["won_revenue"], metrics["avg_deal_size"], metrics["win_rate"]) == ("45000.00", "45000.00", 0.5)
    october = kpis(api_client, **{"from": "2026-10-01", "to": "2026-10-31"})
    assert (october["deals_created"], october["open_deals"]) == (1, 1)  # Op01, open until 14/11


def test_salesforce_leads_uk_dates(workspace, member_client, api_client):
    job = imported(member_client, workspace, "leads", "salesforce_leads.csv")
    assert job.preset == "salesforce_leads"
    with workspace_scope(workspace):
        created = {lead.external_id: lead.created_at.astimezone(workspace.tz).date() for lead in Lead.objects.all()}
    # 03/11/2026 is 3 November: 15/11 and 21/11 in the same column say day first.
    assert created == {
        "00Q5g00000Ld01": date(2026, 11, 3),
        "00Q5g00000Ld02": date(2026, 11, 15),
        "00Q5g00000Ld03": date(2026, 11, 21),
    }
    assert kpis(api_client)["leads"] == 3


# ---------------------------------------------------------------- aggregate stats (once their resources exist)


@pytest.mark.skipif("email-stats" not in RESOURCES, reason="the email-stats resource is not on this branch yet")
def test_mailchimp_campaign_report(workspace, member_client, api_client):
    CampaignFactory(workspace=workspace, external_id="November Newsletter")
    CampaignFactory(workspace=workspace, external_id="Webinar Invite")
    job = imported(member_client, workspace, "email-stats", "mailchimp_campaigns.csv")
    assert job.preset == "mailchimp_campaigns"
    metrics = kpis(api_client)
    # Total Recipients 2400 + 5200; Total Bounces 34 + 104; Unique Opens 1012 + 1430; Unique Clicks 188 + 233.
    assert (metrics["emails_sent"], metrics["email_bounces"]) == (7600, 138)
    assert (metrics["unique_opens"], metrics["unique_clicks"]) == (2442, 421)


@pytest.mark.skipif("web-stats" not in RESOURCES, reason="the web-stats resource is not on this branch yet")
def test_ga4_traffic_export(workspace, member_client, api_client):
    CampaignFactory(workspace=workspace, external_id="brand-search-uk")  # "(direct)" is GA4's "no campaign"
    job = imported(member_client, workspace, "web-stats", "ga4_traffic.csv")
    assert job.preset == "ga4_traffic"
    metrics = kpis(api_client)
    # Sessions 420 + 510 + 398 + 489; Views 1210 + 1388 + 1102 + 1301.
    assert (metrics["sessions"], metrics["page_views"]) == (1817, 5001)


def test_ga4_comment_preamble_and_yyyymmdd_dates_are_read():
    parsed = imports.read_csv(sample("ga4_traffic.csv"))
    assert parsed.header_line == 9 and parsed.total_rows == 4
    assert parsed.headers[:3] == ["Date", "Session campaign", "Sessions"]
    skipped, total = imports.skipped_lines(parsed.text, parsed.delimiter)
    assert total == 8 and {s["reason"] for s in skipped} == {"a comment line"}
    ctx = imports.DateContext("", None)
    assert imports.to_date("20261101", ctx, 10) == date(2026, 11, 1)


@pytest.mark.parametrize("cell", ["Nov 1, 2026", "1 Nov 2026", "November 1, 2026", "20261101", "2026-11-01"])
def test_the_date_forms_exports_use(cell):
    assert imports.to_date(cell, imports.DateContext("", None), 2) == date(2026, 11, 1)


def test_a_timestamp_without_offset_is_read_in_the_workspace_zone(workspace):
    workspace.time_zone = "Europe/London"
    moment = imports.to_timestamp("2026-11-01 09:30", imports.DateContext("", workspace.tz), 2)
    assert moment.isoformat() == "2026-11-01T09:30:00+00:00"  # GMT in November
    moment = imports.to_timestamp("2026-07-01 09:30", imports.DateContext("", workspace.tz), 2)
    assert moment.isoformat() == "2026-07-01T09:30:00+01:00"  # BST in July


# ---------------------------------------------------------------- bad input


def test_two_header_rows_the_best_is_taken_and_the_other_reported(workspace, member_client):
    content = "Campaign,Spend\nCampaign ID,Day,Cost,Clicks\nc-1,2026-11-01,10.00,3\n"
    CampaignFactory(workspace=workspace, external_id="c-1")
    job = uploaded_job(member_client, workspace, "spend", content)
    assert job.headers == ["Campaign ID", "Day", "Cost", "Clicks"] and job.total_rows == 1
    assert "<td><code>Campaign</code></td><td>a line above the header</td>" in page(member_client, workspace, job)


def test_a_totals_row_in_the_middle_and_a_repeated_header_are_skipped_and_shown(workspace, member_client, api_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    content = (
        "Campaign ID,Day,Cost\n"
        "c-1,2026-11-01,10.00\n"
        "Total,,10.00\n"  # line 3
        "Campaign ID,Day,Cost\n"  # line 4: a second export pasted below
        "c-1,2026-11-02,5.50\n"
    )
    job = uploaded_job(member_client, workspace, "spend", content)
    assert job.total_rows == 2
    html = page(member_client, workspace, job)
    assert '<td class="num">3</td><td><code>Total</code></td><td>a totals row</td>' in html
    assert '<td class="num">4</td><td><code>Campaign ID</code></td><td>a second header row</td>' in html
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == ImportJob.Status.DONE
    recompute_rollups(workspace_id=workspace.pk)
    assert kpis(api_client)["spend"] == "15.50"


def test_contradictory_dates_are_refused_and_said_on_the_preview(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", "id,created\nl-1,13/11/2026\nl-2,11/14/2026\n")
    assert "The file&#x27;s dates contradict each other" in page(member_client, workspace, job)
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert [(e["row"], e["value"]) for e in job.errors] == [(3, "11/14/2026")]
    assert count(workspace, Lead) == 0


def test_an_ambiguous_file_still_asks_for_the_date_format(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", "id,created\nl-1,03/04/2026\nl-2,05/06/2026\n")
    assert "could be day/month or month/day" in page(member_client, workspace, job)


def test_every_problem_of_the_whole_file_is_listed_with_its_line(workspace, member_client):
    rows = "".join(f"l-{i},2026-11-{1 + i % 28:02d},{'bad' if i % 50 == 0 else ''}\n" for i in range(1, 301))
    job = uploaded_job(member_client, workspace, "leads", "Report title\n\nid,created,mql\n" + rows)
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    # Rows 50, 100 … 300 are lines 53, 103 … 303 (the title, a blank line and the header above them).
    assert [(e["row"], e["value"]) for e in job.errors] == [(50 * k + 3, "bad") for k in range(1, 7)]
    assert count(workspace, Lead) == 0


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Campaign ID,Day,Cost\nc-1,2026-11-01,10.00\n".encode("utf-16-le"), "UTF-16 without BOM"),
        ("Campaign ID;Day;Cost\nc-1;2026-11-01;10,00\n".replace("10,00", "10.00").encode("cp1252"), "cp1252"),
        ("\ufeffCampaign ID,Day,Cost\nc-1,2026-11-01,10.00\n".encode(), "UTF-8 BOM"),
    ],
)
def test_encodings_are_recognised(raw, name):
    parsed = imports.read_csv(raw)
    assert parsed.headers == ["Campaign ID", "Day", "Cost"], name


def test_latin1_names_survive():
    parsed = imports.read_csv("Record ID,Company\n1,Café Müller\n".encode("cp1252"))
    assert "Café Müller" in parsed.text


def test_an_undetectable_encoding_names_what_was_tried():
    garbage = bytes(range(256)) * 40
    with pytest.raises(imports.ImportRefused, match="tried UTF-8, UTF-16, Windows-1252 and detection"):
        imports.read_csv(garbage)


def test_a_200_mb_upload_is_refused_with_its_size_before_it_is_stored(workspace, member_client, tmp_path):
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:
        handle.write(b"Campaign ID,Day,Cost\n")
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    with big.open("rb") as handle:
        response = member_client.post(url(workspace), {"resource": "spend", "file": handle})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file is 200.0 MB; the limit is 10 MB." in html
    assert count(workspace, ImportJob) == 0


def test_an_upload_without_the_csrf_token_is_still_refused(workspace, agency_owner, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agency_owner)
    response = upload(strict, workspace, "spend", "Campaign ID,Day,Cost\nc-1,2026-11-01,1\n")
    assert response.status_code == 403


# ---------------------------------------------------------------- presets chosen by the user


def test_the_preset_can_be_changed_or_dropped(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", sample("hubspot_contacts.csv"))
    assert job.preset == "hubspot_contacts"
    response = member_client.post(url(workspace, f"{job.pk}/"), {"apply_preset": "1", "preset": ""})
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.preset == "" and job.mapping[job.headers.index("Email")] == "email"  # by synonyms
    assert "No preset: the columns are mapped by their names." in page(member_client, workspace, job)
    member_client.post(url(workspace, f"{job.pk}/"), {"apply_preset": "1", "preset": "salesforce_leads"})
    assert refreshed(workspace, job).preset == "salesforce_leads"
    bad = member_client.post(url(workspace, f"{job.pk}/"), {"apply_preset": "1", "preset": "google_ads_campaigns"})
    assert bad.status_code == 400  # a spend preset is no choice for a leads file
    assert refreshed(workspace, job).preset == "salesforce_leads"


def test_another_tenant_cannot_change_the_preset(workspace, member_client, other_client):
    job = uploaded_job(member_client, workspace, "leads", sample("hubspot_contacts.csv"))
    response = other_client.post(url(workspace, f"{job.pk}/"), {"apply_preset": "1", "preset": ""})
    assert response.status_code == 404
    assert refreshed(workspace, job).preset == "hubspot_contacts"


def test_a_file_of_another_kind_of_data_is_pointed_out(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", sample("meta_ads_campaigns.csv"))
    assert "This file looks like a Meta Ads campaign report, which holds spend" in page(member_client, workspace, job)
