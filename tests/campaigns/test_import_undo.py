"""Imports safe to repeat (rows already stored skipped, touchpoints without ids fingerprinted) and undoable."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns import imports
from campaigns.models import Account, Campaign, DataChange, ImportJob, Lead, SpendEntry, Touchpoint
from tests.campaigns.test_csv_import import confirm, count, refreshed, uploaded_job, url
from tests.data_factories import AccountFactory, CampaignFactory

TOUCHPOINTS = (
    "Type,Timestamp,Campaign,Page URL,Visitor\n"
    "page_view,2026-03-01 10:00,c-1,https://a.example/,v-1\n"
    "page_view,2026-03-01 10:00,c-1,https://a.example/,v-1\n"  # the same view twice in the file: both kept
    "email_open,2026-03-02 11:00,c-1,,v-2\n"
)


def undo_url(workspace, job) -> str:
    return url(workspace, f"{job.pk}/undo/")


def touchpoints(workspace) -> int:
    return count(workspace, Touchpoint)


def test_touchpoints_without_ids_are_imported_once_however_often_the_file_is(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    first = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS)
    confirm(member_client, workspace, first)
    first = refreshed(workspace, first)
    assert (first.status, first.created_count, first.skipped_count) == ("done", 3, 0)
    assert touchpoints(workspace) == 3

    again = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS)
    response = confirm(member_client, workspace, again)
    again = refreshed(workspace, again)
    assert (again.status, again.created_count, again.updated_count, again.skipped_count) == ("done", 0, 0, 3)
    assert touchpoints(workspace) == 3
    page = member_client.get(response["Location"]).content.decode()
    assert "3 rows already imported, skipped." in page

    # One more row in the file: only it is written.
    grown = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS + "page_view,2026-03-03 09:00,c-1,,v-3\n")
    confirm(member_client, workspace, grown)
    assert (refreshed(workspace, grown).created_count, refreshed(workspace, grown).skipped_count) == (1, 3)
    assert touchpoints(workspace) == 4


def test_the_api_still_appends_touchpoints_without_ids(workspace, api_client):
    body = {"kind": "page_view", "occurred_at": "2026-03-01T10:00:00Z", "visitor_id": "v-1"}
    for _ in range(2):
        response = api_client.post("/api/v1/touchpoints/", data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 201)
    with workspace_scope(workspace):
        assert list(Touchpoint.objects.values_list("import_fingerprint", flat=True)) == [None, None]


def test_a_reimported_keyed_file_changes_nothing_and_records_no_change(workspace, member_client):
    content = "Record ID,Company\nacc-1,Acme\nacc-2,Globex\n"
    confirm(member_client, workspace, uploaded_job(member_client, workspace, "accounts", content))
    changes = count(workspace, DataChange)
    again = uploaded_job(member_client, workspace, "accounts", content)
    confirm(member_client, workspace, again)
    again = refreshed(workspace, again)
    assert (again.created_count, again.updated_count, again.skipped_count) == (0, 0, 2)
    assert count(workspace, DataChange) == changes
    assert again.undo_log == {"rows": [], "campaigns": []}


def test_a_retried_write_does_not_write_twice(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    job = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS)
    confirm(member_client, workspace, job)
    assert touchpoints(workspace) == 3
    # A redelivered task for the finished job: nothing more is written.
    imports.import_run(workspace_id=workspace.pk, job_id=job.pk)
    assert touchpoints(workspace) == 3
    assert refreshed(workspace, job).created_count == 3


def test_a_mapping_without_a_required_field_is_refused_before_anything(workspace, member_client):
    job = uploaded_job(member_client, workspace, "spend", "Campaign,Day,Cost\nc-1,2026-03-01,1\n")
    response = confirm(member_client, workspace, job, Cost="")
    assert response.status_code == 400
    assert "Choose a column for cost (required)." in response.content.decode()
    assert refreshed(workspace, job).status == ImportJob.Status.DRAFT
    assert count(workspace, SpendEntry) == 0 and count(workspace, Campaign) == 0


# ---------------------------------------------------------------- undo


@pytest.fixture
def leads_imported(workspace, member_client):
    """lead-1 existed (created 1 Feb); the file changes it and adds lead-2 and lead-3."""
    with workspace_scope(workspace):
        AccountFactory(workspace=workspace, external_id="acc-1")
    from campaigns import services

    services.lead_upsert_batch(
        workspace=workspace,
        items=[{"external_id": "lead-1", "email": "old@a.example", "created_at": "2026-02-01T00:00:00Z"}],
    )
    content = (
        "Contact ID,Email,Create Date\n"
        "lead-1,new@a.example,2026-02-01\n"
        "lead-2,two@a.example,2026-03-05\n"
        "lead-3,three@a.example,2026-03-06\n"
    )
    job = uploaded_job(member_client, workspace, "leads", content)
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert (job.status, job.created_count, job.updated_count) == ("done", 2, 1)
    return job


def emails(workspace) -> dict[str, str]:
    with workspace_scope(workspace):
        return dict(Lead.objects.values_list("external_id", "email"))


def test_undo_removes_created_rows_restores_updated_ones_and_marks_days(workspace, member_client, leads_imported):
    job = leads_imported
    changes = count(workspace, DataChange)
    page = member_client.get(url(workspace, f"{job.pk}/")).content.decode()
    assert "Undo this import" in page
    response = member_client.post(undo_url(workspace, job))
    assert response.status_code == 302
    assert emails(workspace) == {"lead-1": "old@a.example"}
    with workspace_scope(workspace):
        lead = Lead.objects.get()
        assert lead.created_on == date(2026, 2, 1)
        assert DataChange.objects.count() > changes  # the KPIs of the touched days are recomputed
    job = refreshed(workspace, job)
    assert job.undone_at is not None and job.undone_by.email
    page = member_client.get(url(workspace, f"{job.pk}/")).content.decode()
    assert f"Undone by {job.undone_by.email}" in page
    # Twice: refused, nothing more changes.
    member_client.post(undo_url(workspace, job))
    assert emails(workspace) == {"lead-1": "old@a.example"}


def test_undo_is_refused_when_a_row_changed_since(workspace, member_client, api_client, leads_imported):
    body = {"external_id": "lead-2", "email": "api@a.example", "created_at": "2026-03-05T00:00:00Z"}
    assert api_client.post("/api/v1/leads/", data=json.dumps(body), content_type="application/json").status_code in (
        200,
        201,
    )
    response = member_client.post(undo_url(workspace, leads_imported), follow=True)
    html = response.content.decode()
    assert "changed since" in html and "lead-2" in html
    assert emails(workspace) == {"lead-1": "new@a.example", "lead-2": "api@a.example", "lead-3": "three@a.example"}
    assert refreshed(workspace, leads_imported).undone_at is None


def test_undo_of_a_later_import_first_makes_the_earlier_one_undoable(workspace, member_client, leads_imported):
    later = uploaded_job(
        member_client, workspace, "leads", "Contact ID,Email,Create Date\nlead-2,x@a.example,2026-03-05\n"
    )
    confirm(member_client, workspace, later)
    member_client.post(undo_url(workspace, leads_imported))
    assert refreshed(workspace, leads_imported).undone_at is None  # lead-2 changed since
    member_client.post(undo_url(workspace, later))
    member_client.post(undo_url(workspace, leads_imported))
    assert refreshed(workspace, leads_imported).undone_at is not None
    assert emails(workspace) == {"lead-1": "old@a.example"}


def test_undo_of_a_spend_import_removes_the_campaigns_it_created(workspace, member_client):
    job = uploaded_job(
        member_client, workspace, "spend", "Campaign,Day,Cost\nSpring,2026-03-01,2.50\nSpring,2026-03-02,1\n"
    )
    member_client.post(
        url(workspace, f"{job.pk}/"),
        {"date_format": "", "col_0": "campaign", "col_1": "date", "col_2": "cost", "create_campaigns": "1"},
    )
    assert count(workspace, Campaign) == 1 and count(workspace, SpendEntry) == 2
    with workspace_scope(workspace):
        assert SpendEntry.objects.get(date=date(2026, 3, 1)).cost == Decimal("2.50")
    member_client.post(undo_url(workspace, job))
    assert count(workspace, Campaign) == 0 and count(workspace, SpendEntry) == 0


def test_undo_is_refused_when_a_created_object_is_used_since(workspace, member_client, api_client):
    job = uploaded_job(member_client, workspace, "accounts", "Record ID,Company\nacc-9,Nine\n")
    confirm(member_client, workspace, job)
    deal = {"external_id": "d-1", "account": "acc-9", "amount": "1", "created_at": "2026-03-01T00:00:00Z"}
    api_client.post("/api/v1/deals/", data=json.dumps(deal), content_type="application/json")
    response = member_client.post(undo_url(workspace, job), follow=True)
    assert "used by records added since" in response.content.decode()
    assert count(workspace, Account) == 1


def test_undo_of_fingerprinted_touchpoints(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    job = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS)
    confirm(member_client, workspace, job)
    member_client.post(undo_url(workspace, job))
    assert touchpoints(workspace) == 0
    # Imported again after the undo: written again.
    again = uploaded_job(member_client, workspace, "touchpoints", TOUCHPOINTS)
    confirm(member_client, workspace, again)
    assert touchpoints(workspace) == 3


def test_undo_is_for_editors_of_the_workspace_only(
    workspace, member_client, leads_imported, make_user, client_for, other_client
):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.post(undo_url(workspace, leads_imported)).status_code == 403
    assert other_client.post(undo_url(workspace, leads_imported)).status_code == 404
    assert refreshed(workspace, leads_imported).undone_at is None
    editor = client_for(make_user(workspace, role="editor"))
    assert editor.post(undo_url(workspace, leads_imported)).status_code == 302
    assert refreshed(workspace, leads_imported).undone_at is not None


def test_another_workspaces_job_is_a_404_from_ones_own_workspace(
    workspace, other_workspace, leads_imported, other_client
):
    assert other_client.post(undo_url(other_workspace, leads_imported)).status_code == 404
    assert refreshed(workspace, leads_imported).undone_at is None


def test_a_failed_import_cannot_be_undone(workspace, member_client):
    job = uploaded_job(member_client, workspace, "accounts", "Record ID,Company\nacc-1,\n")
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == ImportJob.Status.FAILED
    response = member_client.post(undo_url(workspace, job), follow=True)
    assert "Only a finished import can be undone." in response.content.decode()


def test_a_commit_failing_midway_leaves_nothing_not_even_the_new_campaigns(workspace, member_client, monkeypatch):
    from campaigns import services

    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    calls = []
    real = services.resource_upsert_batch

    def second_batch_conflicts(**kwargs):
        calls.append(kwargs["resource"].name)
        if calls.count("spend") == 2:
            raise services.WriteConflict("a concurrent change")
        return real(**kwargs)

    monkeypatch.setattr(services, "resource_upsert_batch", second_batch_conflicts)
    job = uploaded_job(
        member_client, workspace, "spend", "Campaign,Day,Cost\nSpring,2026-03-01,2.50\nSpring,2026-03-02,1\n"
    )
    member_client.post(
        url(workspace, f"{job.pk}/"),
        {"date_format": "", "col_0": "campaign", "col_1": "date", "col_2": "cost", "create_campaigns": "1"},
    )
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was written" in job.errors[0]["message"]
    assert count(workspace, Campaign) == 0 and count(workspace, SpendEntry) == 0
    assert job.undo_log == {}
