"""Client offboarding (issue 23, point 3): export a workspace, delete it, delete one's own account."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection

from accounts.models import AgencyRole, ApiKey, User, Workspace, WorkspaceExport, WorkspaceMembership
from accounts.offboarding import EXPORT_LIFETIME, deletion_order, exports_purge_expired
from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from accounts.workspace_export import exported_models, workspace_models
from campaigns.models import Campaign, Lead
from sharing.services import share_link_create
from tests.app_role import APP_ROLE_DB, as_role, create_app_role, role_name
from tests.clock import SEEDED_NOW
from tests.data_factories import CampaignFactory, LeadFactory, SpendEntryFactory
from tests.factories import AgencyMembershipFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def hand_data(workspace, other_workspace):
    """Two campaigns (one named like a formula), a spend entry and a lead here; one campaign elsewhere."""
    launch = CampaignFactory(workspace=workspace, external_id="launch", name="Spring launch")
    CampaignFactory(workspace=workspace, external_id="formula", name='=HYPERLINK("http://x")')
    SpendEntryFactory(workspace=workspace, campaign=launch, cost=Decimal("12.50"))
    LeadFactory(workspace=workspace, external_id="lead-1", source_campaign=launch)
    CampaignFactory(workspace=other_workspace, external_id="globex-only", name="Globex secret")
    return launch


def _export(client, workspace, capture) -> WorkspaceExport:
    with capture(execute=True):
        response = client.post(f"/w/{workspace.slug}/export/")
    assert response.status_code == 302
    with workspace_scope(workspace):
        return WorkspaceExport.objects.latest("pk")


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))


def test_export_zip_holds_a_csv_per_table_with_the_workspace_rows_and_the_settings(
    hand_data, workspace, member_client, django_capture_on_commit_callbacks
):
    export = _export(member_client, workspace, django_capture_on_commit_callbacks)
    assert export.status == WorkspaceExport.Status.DONE
    assert export.tables_done == export.tables_total == len(exported_models())
    response = member_client.get(f"/w/{workspace.slug}/export/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    names = set(archive.namelist())
    assert names == {"settings.json"} | {f"{m._meta.db_table}.csv" for m in exported_models()}
    # Access control is no client data: no memberships, invitations, keys or exports.
    assert not {"accounts_apikey.csv", "accounts_workspacemembership.csv", "accounts_invitation.csv"} & names

    campaigns = _csv(archive, "campaigns_campaign.csv")
    assert sorted(row["external_id"] for row in campaigns) == ["formula", "launch"]  # not Globex's
    by_id = {row["external_id"]: row for row in campaigns}
    assert by_id["formula"]["name"] == '\'=HYPERLINK("http://x")'  # quoted as the project's exports do
    assert by_id["launch"]["workspace_id"] == str(workspace.pk)
    spend = _csv(archive, "campaigns_spendentry.csv")
    assert [(row["campaign_id"], row["cost"]) for row in spend] == [(str(hand_data.pk), "12.50")]
    leads = _csv(archive, "campaigns_lead.csv")
    assert [(row["external_id"], row["source_campaign_id"]) for row in leads] == [("lead-1", str(hand_data.pk))]
    assert _csv(archive, "campaigns_deal.csv") == []  # an empty table: its header only
    assert archive.read("campaigns_deal.csv").decode().startswith("id,workspace_id,")

    settings = json.loads(archive.read("settings.json"))
    assert settings["name"] == "Acme Client"
    assert settings["slug"] == "acme"
    assert settings["currency"] == workspace.currency
    assert settings["engagement_weights"] == workspace.engagement_weights
    assert settings["agency"] == workspace.agency.name
    assert "deleting_since" not in settings and "id" not in settings
    assert settings["brand_logo"] == ""  # a stored file is named, not serialised


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_viewers_and_editors_cannot_export(role, workspace, make_user, client_for):
    client = client_for(make_user(workspace, role=role))
    assert client.get(f"/w/{workspace.slug}/export/").status_code == 403
    assert client.post(f"/w/{workspace.slug}/export/").status_code == 403
    with workspace_scope(workspace):
        assert not WorkspaceExport.objects.exists()


def test_a_workspace_admin_exports_and_another_admin_of_it_downloads(
    workspace, make_user, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(make_user(workspace, role="admin"))
    export = _export(admin, workspace, django_capture_on_commit_callbacks)
    other_admin = client_for(make_user(workspace, role="admin"))
    assert other_admin.get(f"/w/{workspace.slug}/export/{export.pk}/download/").status_code == 200
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.get(f"/w/{workspace.slug}/export/{export.pk}/download/").status_code == 403


def test_an_export_of_another_workspace_is_404_even_to_an_admin_of_this_one(
    workspace, other_workspace, member_client, other_client, django_capture_on_commit_callbacks
):
    theirs = _export(other_client, other_workspace, django_capture_on_commit_callbacks)
    assert member_client.get(f"/w/{workspace.slug}/export/{theirs.pk}/download/").status_code == 404
    assert member_client.get(f"/w/{other_workspace.slug}/export/{theirs.pk}/download/").status_code == 404


def test_the_download_link_expires_and_the_file_goes(workspace, member_client, django_capture_on_commit_callbacks):
    with time_machine.travel(SEEDED_NOW, tick=False) as clock:
        export = _export(member_client, workspace, django_capture_on_commit_callbacks)
        assert export.expires_at == SEEDED_NOW + EXPORT_LIFETIME
        assert default_storage.exists(export.file_name)
        assert "acme" not in export.file_name.lower()  # a random name, saying nothing of whose data
        url = f"/w/{workspace.slug}/export/{export.pk}/download/"
        clock.shift(EXPORT_LIFETIME - timedelta(minutes=1))
        assert member_client.get(url).status_code == 200
        clock.shift(timedelta(minutes=2))
        response = member_client.get(url)
        assert response.status_code == 410
        assert b"no longer available" in response.content
        assert not default_storage.exists(export.file_name)
        export.refresh_from_db()
        assert export.file_name == ""


def test_the_periodic_purge_deletes_expired_files_only(workspace, member_client, django_capture_on_commit_callbacks):
    with time_machine.travel(SEEDED_NOW, tick=False) as clock:
        old = _export(member_client, workspace, django_capture_on_commit_callbacks)
        clock.shift(timedelta(hours=20))
        new = _export(member_client, workspace, django_capture_on_commit_callbacks)
        clock.shift(timedelta(hours=5))
        assert exports_purge_expired() == 1
        assert not default_storage.exists(old.file_name)
        assert default_storage.exists(new.file_name)
        assert exports_purge_expired() == 0


# --- Workspace deletion ---------------------------------------------------------------------


def workspace_table_counts(workspace_id: int) -> dict[str, int]:
    """Rows of `workspace_id` in every table with a workspace_id column, found from the database itself."""
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if "workspace_id" in columns:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT COUNT(*) FROM {quoted} WHERE workspace_id = %s", [workspace_id])
                counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def two_full_workspaces(workspace, other_workspace, make_user, member_client, django_capture_on_commit_callbacks):
    """Both workspaces with generated data, rollups, a key, a client member, an export, an invitation."""
    from kpis.services import recompute_rollups
    from kpis.targets import target_set
    from sampledata.seeding import seed_workspace

    for ws, seed in ((workspace, 3), (other_workspace, 4)):
        seed_workspace(workspace=ws, scale="tiny", seed=seed, until=SEEDED_NOW)
        recompute_rollups(workspace_id=ws.pk)
        api_key_create(workspace=ws, name="k")
        make_user(ws, role="viewer")
        target_set(workspace=ws, kpi="leads", period_kind="month", starts_on=SEEDED_NOW.date(), value=10)
    _export(member_client, workspace, django_capture_on_commit_callbacks)
    member_client.post(f"/w/{workspace.slug}/members/", {"email": "new@acme.example", "role": "viewer"})
    return workspace, other_workspace


def _delete_through_the_page(client, workspace, capture) -> None:
    with capture(execute=True):
        response = client.post(f"/w/{workspace.slug}/delete/", {"name": workspace.name})
    assert response.status_code == 302


def _assert_deleted_completely(workspace_id, other_id, other_before) -> None:
    after = workspace_table_counts(workspace_id)
    assert {t: n for t, n in after.items() if n} == {}, "rows of the deleted workspace remain"
    assert workspace_table_counts(other_id) == other_before, "the other workspace lost rows"
    assert not Workspace.objects.filter(pk=workspace_id).exists()


@APP_ROLE_DB  # the audit entries are forgotten by a SECURITY DEFINER function
def test_deleting_a_workspace_leaves_nothing_of_it_and_the_other_intact(
    two_full_workspaces, member_client, django_capture_on_commit_callbacks
):
    workspace, other = two_full_workspaces
    before = workspace_table_counts(workspace.pk)
    other_before = workspace_table_counts(other.pk)
    # Not vacuous: the generated workspace fills the data, KPI and access tables.
    for table in ("campaigns_touchpoint", "campaigns_deal", "kpis_workspaceday", "kpis_target", "accounts_apikey"):
        assert before[table] > 0, table
    assert set(before) >= {m._meta.db_table for m in workspace_models()}
    with workspace_scope(workspace):
        export_file = WorkspaceExport.objects.get().file_name
    _delete_through_the_page(member_client, workspace, django_capture_on_commit_callbacks)
    _assert_deleted_completely(workspace.pk, other.pk, other_before)
    assert not default_storage.exists(export_file)


@pytest.mark.postgres
@APP_ROLE_DB
def test_deletion_under_the_app_role_with_row_level_security(
    two_full_workspaces, member_client, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security exists only on PostgreSQL")
    workspace, other = two_full_workspaces
    other_before = workspace_table_counts(other.pk)
    role = role_name()
    with connection.cursor() as cursor:
        create_app_role(cursor, role)
    with as_role(role):
        _delete_through_the_page(member_client, workspace, django_capture_on_commit_callbacks)
    _assert_deleted_completely(workspace.pk, other.pk, other_before)


def test_deletion_order_puts_children_before_parents():
    order = [m._meta.label_lower for m in deletion_order(workspace_models())]
    assert order.index("campaigns.touchpoint") < order.index("campaigns.campaign")
    assert order.index("campaigns.deal") < order.index("campaigns.lead") < order.index("campaigns.account")
    assert order.index("campaigns.spendentry") < order.index("campaigns.campaign")


def test_a_wrong_name_deletes_nothing(workspace, member_client):
    response = member_client.post(f"/w/{workspace.slug}/delete/", {"name": "acme client"})
    assert response.status_code == 400
    assert "Type “Acme Client” exactly" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.deleting_since is None


def test_a_deleting_workspace_leaves_navigation_and_its_pages_404_at_once(workspace, member_client):
    """Before the background removal runs (no commit callbacks here), the workspace is already gone."""
    response = member_client.post(f"/w/{workspace.slug}/delete/", {"name": "Acme Client"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.deleting_since is not None
    for url in (f"/w/{workspace.slug}/", f"/w/{workspace.slug}/settings/", f"/w/{workspace.slug}/delete/"):
        assert member_client.get(url).status_code == 404, url
    home = member_client.get("/").content.decode()
    assert "is being deleted" in home  # the flash message names it once
    assert f'href="/w/{workspace.slug}/' not in home
    assert "Acme Client" not in member_client.get("/").content.decode()
    assert not ApiKey.objects.unscoped().filter(workspace=workspace, revoked_at=None).exists()


@pytest.mark.parametrize("agency_role", [AgencyRole.ADMIN, AgencyRole.MEMBER])
def test_only_the_agency_owner_deletes_a_workspace(agency_role, workspace, make_user, client_for):
    client = client_for(make_user(workspace, agency_role=agency_role))
    assert client.get(f"/w/{workspace.slug}/delete/").status_code == 403
    assert client.post(f"/w/{workspace.slug}/delete/", {"name": "Acme Client"}).status_code == 403
    workspace_admin = client_for(make_user(workspace, role="admin"))
    assert workspace_admin.post(f"/w/{workspace.slug}/delete/", {"name": "Acme Client"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.deleting_since is None


@APP_ROLE_DB  # the audit entries are forgotten by a SECURITY DEFINER function
def test_the_deletion_is_logged(workspace, member_client, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level("INFO", logger="pulse.offboarding"):
        _delete_through_the_page(member_client, workspace, django_capture_on_commit_callbacks)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("workspace.delete by ") and "'acme'" in m for m in messages)
    assert any(m.startswith("workspace.deleted by system") for m in messages)


# --- Own account ----------------------------------------------------------------------------


def test_the_only_owner_of_an_agency_cannot_delete_their_account(workspace, agency_owner, member_client):
    agency_owner.set_password("right-horse-battery")
    agency_owner.save()
    member_client.force_login(agency_owner, backend="django.contrib.auth.backends.ModelBackend")
    response = member_client.post("/account/delete/", {"password": "right-horse-battery"})
    assert response.status_code == 400
    assert f"You are the only owner of {workspace.agency.name}" in response.content.decode()
    assert User.objects.filter(pk=agency_owner.pk).exists()


def test_an_owner_with_a_co_owner_deletes_their_account(workspace, agency_owner, client_for):
    AgencyMembershipFactory(agency=workspace.agency, role=AgencyRole.OWNER)
    agency_owner.set_password("right-horse-battery")
    agency_owner.save()
    client = client_for(agency_owner)
    assert client.post("/account/delete/", {"password": "right-horse-battery"}).status_code == 302
    assert not User.objects.filter(pk=agency_owner.pk).exists()
    assert client.get(f"/w/{workspace.slug}/").status_code == 302  # signed out: to the login page


def test_a_client_member_deletes_their_account_after_their_password(workspace, make_user, client_for):
    person = make_user(workspace, role="editor", password="right-horse-battery")
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="c", name="C", channel="email")
        job_campaign = Campaign.objects.get()
    client = client_for(person)
    wrong = client.post("/account/delete/", {"password": "wrong"})
    assert wrong.status_code == 400
    assert "That is not your password." in wrong.content.decode()
    assert client.post("/account/delete/", {"password": "right-horse-battery"}).status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert not WorkspaceMembership.objects.filter(user_id=person.pk).exists()
    with workspace_scope(workspace):
        assert Campaign.objects.filter(pk=job_campaign.pk).exists()  # the workspace's data stay
        assert not Lead.objects.exists()


@pytest.mark.postgres
@APP_ROLE_DB
def test_export_and_account_deletion_under_the_app_role(
    hand_data, workspace, make_user, client_for, django_capture_on_commit_callbacks
):
    """The export reads through the policies; a person's deletion nulls their name in any workspace's rows."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level security exists only on PostgreSQL")
    person = make_user(workspace, role="admin", password="right-horse-battery")
    key, _ = api_key_create(workspace=workspace, name="k", created_by=person)
    role = role_name()
    with connection.cursor() as cursor:
        create_app_role(cursor, role)
    client = client_for(person)
    with as_role(role):
        export = _export(client, workspace, django_capture_on_commit_callbacks)
        archive = zipfile.ZipFile(default_storage.open(export.file_name))
        assert sorted(r["external_id"] for r in _csv(archive, "campaigns_campaign.csv")) == ["formula", "launch"]
        assert client.post("/account/delete/", {"password": "right-horse-battery"}).status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert ApiKey.objects.unscoped().get(pk=key.pk).created_by_id is None


def test_a_failed_export_shows_as_failed_not_as_an_error_page(
    workspace, member_client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("accounts.offboarding.build_export", broken)
    export = _export(member_client, workspace, django_capture_on_commit_callbacks)
    assert export.status == WorkspaceExport.Status.FAILED
    assert export.file_name == ""
    page = member_client.get(f"/w/{workspace.slug}/export/")
    assert page.status_code == 200
    assert "Failed" in page.content.decode()


@APP_ROLE_DB  # the audit entries are forgotten by a SECURITY DEFINER function
def test_rows_are_deleted_in_batches_of_ids(workspace, other_workspace, monkeypatch):
    """Five campaigns, batches of two: three DELETE statements on the table, each in its own transaction."""
    from django.test.utils import CaptureQueriesContext

    from accounts.offboarding import workspace_delete_data

    for n in range(5):
        CampaignFactory(workspace=workspace, external_id=f"c{n}")
    CampaignFactory(workspace=other_workspace, external_id="kept")
    Workspace.objects.filter(pk=workspace.pk).update(deleting_since=SEEDED_NOW)
    monkeypatch.setattr("accounts.offboarding.DELETE_BATCH", 2)
    with CaptureQueriesContext(connection) as queries:
        counts = workspace_delete_data(workspace_id=workspace.pk)
    assert counts["campaigns_campaign"] == 5
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "campaigns_campaign"')]
    assert len(deletes) == 3
    assert Campaign.objects.unscoped().filter(workspace=other_workspace).count() == 1
    assert not Workspace.objects.filter(pk=workspace.pk).exists()


def test_a_workspace_not_marked_deleting_is_left_alone(workspace):
    from accounts.offboarding import workspace_delete_data

    CampaignFactory(workspace=workspace)
    assert workspace_delete_data(workspace_id=workspace.pk) == {}
    assert Campaign.objects.unscoped().filter(workspace=workspace).count() == 1


def test_the_export_carries_no_share_link_credential(workspace, member_client, django_capture_on_commit_callbacks):
    link, token = share_link_create(workspace=workspace, name="Board", target="dashboard", range_kind="last_30")
    export = _export(member_client, workspace, django_capture_on_commit_callbacks)
    response = member_client.get(f"/w/{workspace.slug}/export/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    links = _csv(archive, "sharing_sharelink.csv")
    assert [row["name"] for row in links] == ["Board"]
    assert "token_hash" not in links[0] and "password_hash" not in links[0]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert link.token_hash.encode() not in everything and token.encode() not in everything


def test_the_export_carries_no_webhook_secret_nor_staff_addresses(
    workspace, member_client, django_capture_on_commit_callbacks
):
    from alerts.services import rule_create

    rule = rule_create(
        workspace=workspace,
        name="Hook",
        kpi="spend",
        condition="above",
        threshold=Decimal("1"),
        webhook_url="https://hooks.example.com/pulse",
    )
    export = _export(member_client, workspace, django_capture_on_commit_callbacks)
    response = member_client.get(f"/w/{workspace.slug}/export/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    (row,) = _csv(archive, "alerts_alertrule.csv")
    assert row["name"] == "Hook" and "webhook_secret" not in row
    audit = _csv(archive, "accounts_auditentry.csv")
    assert {"alert_rule.created", "workspace.export"} <= {entry["action"] for entry in audit}
    assert all("ip_address" not in entry and "user_agent" not in entry for entry in audit)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert rule.webhook_secret.encode() not in everything and b"127.0.0.1" not in everything
