"""Mappings a client sets once: pipeline stages → deal status, campaign types → channels, campaigns created
from spend files, deals inheriting their lead's campaign."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns import mappings, services
from campaigns.models import Campaign, Deal, ImportJob, ImportMapping, SpendEntry
from tests.campaigns.test_csv_import import confirm, count, refreshed, uploaded_job, url
from tests.data_factories import AccountFactory, CampaignFactory, LeadFactory

# HubSpot's deal export: internal stage ids, an expected "Close Date" on every deal, open ones included.
HUBSPOT_DEALS = (
    "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Associated Company ID\n"
    "d-1,Alpha,appointmentscheduled,1000,2026-03-01 09:00,2026-06-30 00:00,acc-1\n"
    "d-2,Beta,closedwon,2500.50,2026-03-02 09:00,2026-04-15 10:00,acc-1\n"
    "d-3,Gamma,closedlost,700,2026-03-03 09:00,2026-04-20 10:00,acc-1\n"
    "d-4,Delta,presentationscheduled,300,2026-03-04 09:00,2026-07-31 00:00,acc-1\n"
    "d-5,Epsilon,Verbal commit,900,2026-03-05 09:00,2026-05-01 10:00,acc-1\n"
)


def deals_mapping(job) -> dict[str, str]:
    return {
        "Record ID": "external_id",
        "Deal Name": "name",
        "Deal Stage": "status",
        "Amount": "amount",
        "Create Date": "created_at",
        "Close Date": "closed_at",
        "Associated Company ID": "account",
    }


def statuses(workspace) -> dict[str, tuple[str, bool]]:
    with workspace_scope(workspace):
        return {d.external_id: (d.status, d.closed_at is not None) for d in Deal.objects.all()}


def test_stages_map_to_statuses_an_unknown_one_is_asked_once_and_remembered(workspace, member_client):
    AccountFactory(workspace=workspace, external_id="acc-1")
    job = uploaded_job(member_client, workspace, "deals", HUBSPOT_DEALS)
    overrides = deals_mapping(job)
    html = member_client.post(url(workspace, f"{job.pk}/"), {**_form(job, overrides), "preview": "1"}).content.decode()
    # The custom stage is listed with a choice; the open deals' expected close dates are announced as ignored.
    assert "Verbal commit" in html and 'name="stage:verbalcommit"' in html
    assert "2 open deals have a close date" in html  # d-1 and d-4
    assert "presentationscheduled" not in html.split("Values to map")[1].split("Preview")[0]

    # Importing without choosing: refused before anything is written, naming the stage as the file has it.
    confirm(member_client, workspace, job, **overrides)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(6, "Deal Stage", "Verbal commit")]
    assert "“Verbal commit” is not mapped" in job.errors[0]["message"]
    assert count(workspace, Deal) == 0

    # Chosen once: the import goes through, and the choice is stored for the workspace.
    response = member_client.post(
        url(workspace, f"{job.pk}/"),
        {**_form(job, overrides), "stage:verbalcommit": "won", "label:stage:verbalcommit": "Verbal commit"},
    )
    assert response.status_code == 302
    assert refreshed(workspace, job).status == ImportJob.Status.DONE
    assert statuses(workspace) == {
        "d-1": ("open", False),  # expected close date ignored
        "d-2": ("won", True),
        "d-3": ("lost", True),
        "d-4": ("open", False),
        "d-5": ("won", True),
    }
    with workspace_scope(workspace):
        stored = ImportMapping.objects.get()
    assert (stored.kind, stored.source_value, stored.label, stored.target) == (
        "stage",
        "verbalcommit",
        "Verbal commit",
        "won",
    )

    # A later file with the same stage, written otherwise, needs no choice.
    again = uploaded_job(
        member_client,
        workspace,
        "deals",
        "Record ID,Deal Stage,Amount,Create Date,Close Date,Associated Company ID\n"
        "d-6,VERBAL COMMIT,50,2026-03-06 09:00,2026-05-02 10:00,acc-1\n",
    )
    page = member_client.get(url(workspace, f"{again.pk}/")).content.decode()
    assert "Values to map" not in page
    confirm(member_client, workspace, again, **{"Deal Stage": "status", "Close Date": "closed_at"})
    assert refreshed(workspace, again).status == ImportJob.Status.DONE
    assert statuses(workspace)["d-6"] == ("won", True)


def _form(job, overrides) -> dict[str, str]:
    data = {"date_format": ""}
    for index, header in enumerate(job.headers):
        data[f"col_{index}"] = overrides.get(header, job.mapping[index])
    return data


def test_salesforce_default_stages(workspace, member_client):
    AccountFactory(workspace=workspace, external_id="001A")
    content = (
        "Opportunity ID,Stage,Amount,Created Date,Close Date,Account ID\n"
        '006-1,Id. Decision Makers,"£45,000.00",01/03/2026,30/06/2026,001A\n'
        "006-2,Proposal/Price Quote,100,01/03/2026,30/06/2026,001A\n"
        "006-3,Closed Won,200,02/03/2026,15/04/2026,001A\n"
        "006-4,Closed Lost,300,02/03/2026,16/04/2026,001A\n"
    )
    workspace.currency = "GBP"
    workspace.save()
    job = uploaded_job(member_client, workspace, "deals", content)
    confirm(
        member_client,
        workspace,
        job,
        date_format="dmy",
        **{"Opportunity ID": "external_id", "Stage": "status", "Close Date": "closed_at", "Account ID": "account"},
    )
    assert refreshed(workspace, job).status == ImportJob.Status.DONE, refreshed(workspace, job).errors
    assert statuses(workspace) == {
        "006-1": ("open", False),
        "006-2": ("open", False),
        "006-3": ("won", True),
        "006-4": ("lost", True),
    }


def test_campaign_types_map_to_channels_and_a_choice_overrides_the_default(workspace, member_client):
    content = (
        "Campaign ID,Campaign,Campaign type\n"
        "g-1,Brand search,Search\n"
        "g-2,PMax,Performance Max\n"
        "l-1,LinkedIn ABM,Sponsored Content\n"
        "m-1,Meta leads,OUTCOME_LEADS\n"
        "b-1,Bing audience,Audience\n"
        "x-1,Podcast,Podcast\n"
    )
    job = uploaded_job(member_client, workspace, "campaigns", content)
    overrides = {"Campaign ID": "external_id", "Campaign": "name", "Campaign type": "channel"}
    confirm(member_client, workspace, job, **overrides)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["value"]) for e in job.errors] == [(7, "Podcast")]

    data = {**_form(job, overrides), "type:podcast": "content", "type:performancemax": "display"}
    assert member_client.post(url(workspace, f"{job.pk}/"), data).status_code == 302
    assert refreshed(workspace, job).status == ImportJob.Status.DONE
    with workspace_scope(workspace):
        channels = dict(Campaign.objects.values_list("external_id", "channel"))
        remembered = dict(ImportMapping.objects.values_list("source_value", "target"))
    assert channels == {
        "g-1": "paid_search",
        "g-2": "display",  # the workspace's choice over the built-in paid_search
        "l-1": "paid_social",
        "m-1": "paid_social",
        "b-1": "display",
        "x-1": "content",
    }
    assert remembered == {"podcast": "content", "performancemax": "display"}


# Google Ads' campaign report: one row per campaign per day, the campaign's name, id and type on each.
GOOGLE_ADS_SPEND = (
    "Day,Campaign,Campaign ID,Campaign type,Cost,Impr.,Clicks\n"
    "2026-03-01,Brand search,1111,Search,10.00,100,5\n"
    "2026-03-01,Remarketing,2222,Display,4.50,900,3\n"
    "2026-03-02,Brand search,1111,Search,12.25,120,6\n"
    "2026-03-02,Remarketing,2222,Display,5.50,1000,4\n"
    "2026-03-02,Known one,3333,Search,1.00,10,1\n"
)


def spend_overrides() -> dict[str, str]:
    return {"Day": "date", "Campaign": "", "Campaign ID": "campaign", "Cost": "cost", "Impr.": "impressions"}


def test_unknown_campaigns_of_a_spend_file_are_listed_then_created_once_when_confirmed(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="3333", name="Known one", channel="paid_search")
    job = uploaded_job(member_client, workspace, "spend", GOOGLE_ADS_SPEND)
    html = member_client.post(
        url(workspace, f"{job.pk}/"), {**_form(job, spend_overrides()), "preview": "1"}
    ).content.decode()
    section = html.split("Campaigns to create")[1].split("</table>")[0]
    assert "<code>1111</code>" in section and "Brand search" in section and "paid_search" in section
    assert "<code>2222</code>" in section and "Remarketing" in section and "display" in section
    assert "3333" not in section

    # Not confirmed: the rows naming them are refused, nothing written.
    confirm(member_client, workspace, job, **spend_overrides())
    assert refreshed(workspace, job).status == ImportJob.Status.FAILED
    assert count(workspace, Campaign) == 1 and count(workspace, SpendEntry) == 0

    response = member_client.post(
        url(workspace, f"{job.pk}/"), {**_form(job, spend_overrides()), "create_campaigns": "1"}
    )
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count) == (5, 0)
    assert (
        "Imported 5 spend: 5 new, 0 updated. 2 new campaigns created first."
        in member_client.get(url(workspace, f"{job.pk}/")).content.decode()
    )
    with workspace_scope(workspace):
        created = {c.external_id: (c.name, c.channel) for c in Campaign.objects.exclude(external_id="3333")}
        cost = {
            e: SpendEntry.objects.filter(campaign__external_id=e).values_list("cost", flat=True)
            for e in ("1111", "2222", "3333")
        }
    assert created == {"1111": ("Brand search", "paid_search"), "2222": ("Remarketing", "display")}
    assert sum(cost["1111"]) == Decimal("22.25")  # 10.00 + 12.25
    assert sum(cost["2222"]) == Decimal("10.00")  # 4.50 + 5.50
    assert sum(cost["3333"]) == Decimal("1.00")


def test_one_campaign_column_fills_both_name_and_id_and_the_natural_channel_applies(workspace, member_client):
    content = (
        "Campaign Name,Reporting starts,Amount spent (GBP)\nSpring sale,2026-03-01,3.00\nSpring sale,2026-03-02,4.00\n"
    )
    workspace.currency = "GBP"
    workspace.save()
    job = uploaded_job(member_client, workspace, "spend", content)
    overrides = {"Campaign Name": "campaign", "Reporting starts": "date", "Amount spent (GBP)": "cost"}
    member_client.post(url(workspace, f"{job.pk}/"), {**_form(job, overrides), "create_campaigns": "1"})
    assert refreshed(workspace, job).status == ImportJob.Status.DONE, refreshed(workspace, job).errors
    with workspace_scope(workspace):
        assert list(Campaign.objects.values_list("external_id", "name", "channel")) == [
            ("Spring sale", "Spring sale", "paid_social")  # Meta's columns: the platform's channel
        ]
        assert SpendEntry.objects.count() == 2


def test_a_new_campaign_that_cannot_be_created_is_refused_before_anything_is_written(workspace, member_client):
    long_name = "x" * 300  # more than a campaign name's 255 characters
    job = uploaded_job(
        member_client, workspace, "spend", f"Campaign ID,Campaign,Day,Cost\nc-1,{long_name},2026-03-01,1\n"
    )
    member_client.post(
        url(workspace, f"{job.pk}/"),
        {
            **_form(job, {"Campaign ID": "campaign", "Campaign": "", "Day": "date", "Cost": "cost"}),
            "create_campaigns": "1",
        },
    )
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert "cannot be created" in job.errors[0]["message"]
    assert count(workspace, Campaign) == 0 and count(workspace, SpendEntry) == 0


def test_defaults_cover_the_named_tools():
    stages = {
        mappings.normalise(s): s
        for s in (
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost",
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
        )
    }
    assert set(stages) <= set(mappings.DEFAULT_STAGES)
    assert mappings.DEFAULT_STAGES["closedwon"] == "won" and mappings.DEFAULT_STAGES["closedlost"] == "lost"
    types = (
        "Search",
        "Display",
        "Performance Max",
        "Video",
        "Shopping",
        "Demand Gen",
        "Sponsored Content",
        "Sponsored Messaging",
        "Text Ads",
        "Awareness",
        "Traffic",
        "Engagement",
        "Leads",
        "Sales",
        "Audience",
    )
    assert all(mappings.normalise(t) in mappings.DEFAULT_CAMPAIGN_TYPES for t in types)


# ---------------------------------------------------------------- deals inherit their lead's campaign


def test_a_deal_without_a_campaign_inherits_its_leads_through_the_api(workspace, api_client):
    with workspace_scope(workspace):
        account = AccountFactory(workspace=workspace, external_id="acc-1")
        webinar = CampaignFactory(workspace=workspace, external_id="webinar")
        other = CampaignFactory(workspace=workspace, external_id="other")
        LeadFactory(workspace=workspace, external_id="lead-1", account=account, source_campaign=webinar)
        LeadFactory(workspace=workspace, external_id="lead-2", account=account, source_campaign=None)
    base = {"account": "acc-1", "amount": "100", "created_at": "2026-03-01T00:00:00Z"}
    body = [
        {**base, "external_id": "d-1", "lead": "lead-1"},  # inherits webinar
        {**base, "external_id": "d-2", "lead": "lead-1", "source_campaign": "other"},  # its own wins
        {**base, "external_id": "d-3", "lead": "lead-2"},  # the lead has none
        {**base, "external_id": "d-4"},  # no lead
    ]
    response = api_client.post("/api/v1/deals/", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    with workspace_scope(workspace):
        got = dict(Deal.objects.values_list("external_id", "source_campaign_id"))
    assert got == {"d-1": webinar.pk, "d-2": other.pk, "d-3": None, "d-4": None}


def test_a_deal_imported_without_a_campaign_inherits_its_leads(workspace, member_client):
    with workspace_scope(workspace):
        account = AccountFactory(workspace=workspace, external_id="acc-1")
        webinar = CampaignFactory(workspace=workspace, external_id="webinar")
        LeadFactory(workspace=workspace, external_id="lead-1", account=account, source_campaign=webinar)
    job = uploaded_job(
        member_client,
        workspace,
        "deals",
        "Deal ID,Account ID,Contact ID,Amount,Created\nd-1,acc-1,lead-1,10,2026-03-01\n",
    )
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == ImportJob.Status.DONE, refreshed(workspace, job).errors
    with workspace_scope(workspace):
        assert Deal.objects.get().source_campaign_id == webinar.pk


# ---------------------------------------------------------------- the settings page


def mappings_url(workspace) -> str:
    return f"/w/{workspace.slug}/data/import/mappings/"


@pytest.fixture
def stored(workspace):
    with workspace_scope(workspace):
        return ImportMapping.objects.create(
            kind="stage", source_value="verbalcommit", label="Verbal commit", target="won"
        )


def test_the_mappings_page_lists_changes_and_deletes(workspace, member_client, stored):
    page = member_client.get(mappings_url(workspace))
    assert page.status_code == 200 and "Verbal commit" in page.content.decode()
    response = member_client.post(mappings_url(workspace), {"mapping": stored.pk, "target": "lost"})
    assert response.status_code == 302
    with workspace_scope(workspace):
        assert ImportMapping.objects.get().target == "lost"
    assert member_client.post(mappings_url(workspace), {"mapping": stored.pk, "target": "maybe"}).status_code == 400
    with workspace_scope(workspace):
        assert ImportMapping.objects.get().target == "lost"
    member_client.post(mappings_url(workspace), {"mapping": stored.pk, "delete": "1"})
    assert count(workspace, ImportMapping) == 0


def test_the_mappings_page_is_for_editors_and_own_workspace_only(
    workspace, other_workspace, stored, make_user, client_for, other_client
):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.get(mappings_url(workspace)).status_code == 403
    assert viewer.post(mappings_url(workspace), {"mapping": stored.pk, "delete": "1"}).status_code == 403
    editor = client_for(make_user(workspace, role="editor"))
    assert editor.get(mappings_url(workspace)).status_code == 200
    # Another tenant: its workspace's page is a 404, and our mapping is not found from its own page.
    assert other_client.get(mappings_url(workspace)).status_code == 404
    assert other_client.post(mappings_url(other_workspace), {"mapping": stored.pk, "delete": "1"}).status_code == 404
    assert count(workspace, ImportMapping) == 1


def test_a_stage_mapping_of_one_workspace_does_not_apply_to_another(workspace, other_workspace, stored):
    assert mappings.table("stage", workspace)["verbalcommit"] == "won"
    assert "verbalcommit" not in mappings.table("stage", other_workspace)


def test_the_deal_service_keeps_an_explicit_null_lead(workspace):
    with workspace_scope(workspace):
        AccountFactory(workspace=workspace, external_id="acc-1")
    services.deal_upsert_batch(
        workspace=workspace,
        items=[{"external_id": "d-1", "account": "acc-1", "amount": "1", "created_at": "2026-03-01T00:00:00Z"}],
    )
    with workspace_scope(workspace):
        assert Deal.objects.get().source_campaign_id is None
