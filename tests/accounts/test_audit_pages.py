"""The audit log's pages: who sees which entries, filters, pages, CSV; and the audit log's own retention."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts import audit
from accounts.models import AuditAction, AuditEntry
from accounts.rls import rls_bypass
from tests.app_role import APP_ROLE_DB
from tests.factories import WorkspaceFactory

T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def add(action, *, at=T, **place) -> AuditEntry:
    with time_machine.travel(at, tick=False):
        return audit.record(action, **place)


def rows_of(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def sibling(workspace):
    """Another client workspace of the same agency."""
    return WorkspaceFactory(agency=workspace.agency, name="Sibling", slug="sibling")


@pytest.fixture
def log(workspace, sibling, other_workspace, agency_owner):
    """Two entries of `workspace`, one of its sibling, one agency-level, one of another agency."""
    add(AuditAction.API_KEY_CREATED, workspace=workspace, actor=agency_owner, target=("apikey", 1, "Acme key"))
    add(AuditAction.TARGET_DELETED, workspace=workspace, at=T + timedelta(days=2), target=("target", 2, "Spend"))
    add(AuditAction.API_KEY_CREATED, workspace=sibling, target=("apikey", 3, "Sibling key"))
    add(AuditAction.INVITATION_SENT, agency=workspace.agency, target=("invitation", 4, "staff@agency.example"))
    add(AuditAction.API_KEY_CREATED, workspace=other_workspace, target=("apikey", 5, "Globex key"))


def labels(response) -> set[str]:
    """The entries' labels, bar the sign-ins of the test clients' own sessions."""
    return {e.target_label for e in response.context["page"] if e.action != AuditAction.SIGN_IN}


def test_the_workspace_page_shows_its_own_entries_only(log, workspace, member_client):
    response = member_client.get(f"/w/{workspace.slug}/audit/")
    assert response.status_code == 200
    assert labels(response) == {"Acme key", "Spend"}


def test_the_agency_page_shows_the_agency_and_its_workspaces_only(log, workspace, member_client):
    response = member_client.get(f"/agency/{workspace.agency.slug}/audit/")
    assert labels(response) == {"Acme key", "Spend", "Sibling key", "staff@agency.example"}


def test_another_agency_sees_none_of_it(log, workspace, other_workspace, other_client):
    assert other_client.get(f"/w/{workspace.slug}/audit/").status_code == 404
    assert other_client.get(f"/agency/{workspace.agency.slug}/audit/").status_code == 404
    own = other_client.get(f"/agency/{other_workspace.agency.slug}/audit/?export=csv")
    assert [row["target_label"] for row in rows_of(own) if row["action"] != "auth.sign_in"] == ["Globex key"]


def test_filters_by_action_person_and_dates(log, workspace, member_client, agency_owner):
    base = f"/agency/{workspace.agency.slug}/audit/"
    assert labels(member_client.get(f"{base}?action=api_key.created")) == {"Acme key", "Sibling key"}
    assert labels(member_client.get(f"{base}?person={agency_owner.email.upper()[:6]}")) == {"Acme key"}
    # Whole days, both ends included (UTC on the agency page): the 12th holds only the deleted target.
    assert labels(member_client.get(f"{base}?date_from=2026-11-12&date_to=2026-11-12")) == {"Spend"}
    assert labels(member_client.get(f"{base}?date_to=2026-11-11")) == {
        "Acme key",
        "Sibling key",
        "staff@agency.example",
    }


def test_bad_filters_are_a_400_with_messages(workspace, member_client):
    response = member_client.get(f"/w/{workspace.slug}/audit/?action=nope&date_from=2026-11-12&date_to=2026-11-01")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body and "The end date is before the start date." in body


def test_pages_of_fifty_newest_first(workspace, member_client):
    for n in range(55):
        add(AuditAction.TARGET_CREATED, workspace=workspace, at=T + timedelta(minutes=n), target=("target", n, f"t{n}"))
    first = member_client.get(f"/w/{workspace.slug}/audit/?action=target.created")
    second = member_client.get(f"/w/{workspace.slug}/audit/?action=target.created&page=2")
    assert [e.target_label for e in first.context["page"]][:2] == ["t54", "t53"]
    assert [e.target_label for e in second.context["page"]] == ["t4", "t3", "t2", "t1", "t0"]


def test_the_csv_holds_the_filtered_entries_with_formulas_defused(workspace, member_client, agency_owner):
    add(
        AuditAction.SHARE_LINK_CREATED,
        workspace=workspace,
        actor=agency_owner,
        target=("sharelink", 9, "=HYPERLINK(1)"),
    )
    add(AuditAction.TARGET_CREATED, workspace=workspace, target=("target", 1, "Spend"))
    response = member_client.get(f"/w/{workspace.slug}/audit/?action=share_link.created&export=csv")
    assert response["Content-Disposition"] == 'attachment; filename="audit-acme.csv"'
    (row,) = rows_of(response)
    assert row["target_label"] == "'=HYPERLINK(1)"
    assert (row["time_utc"], row["actor_email"], row["workspace"]) == (
        "2026-11-10T12:00:00Z",
        agency_owner.email,
        "acme",
    )


@APP_ROLE_DB  # the purge is a SECURITY DEFINER function
def test_the_retention_purge_deletes_old_entries_only(workspace, settings):
    settings.AUDIT_RETENTION_DAYS = 400
    now = datetime(2026, 12, 1, tzinfo=UTC)
    old = add(AuditAction.TARGET_CREATED, workspace=workspace, at=now - timedelta(days=401))
    older = add(AuditAction.INVITATION_SENT, agency=workspace.agency, at=now - timedelta(days=900))
    kept = add(AuditAction.TARGET_CREATED, workspace=workspace, at=now - timedelta(days=399))
    with time_machine.travel(now, tick=False):
        assert audit.purge_expired(batch=1) == 2  # one per batch: the loop carries on until none is left
    with rls_bypass():
        assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert {old.pk, older.pk}.isdisjoint(AuditEntry.objects.values_list("pk", flat=True))


def test_the_page_writes_changes_as_old_to_new(workspace, member_client):
    add(AuditAction.KPI_SETTINGS_CHANGED, workspace=workspace, changes={"mqa_threshold": ["20.00", "35"]})
    add(AuditAction.SETTINGS_CHANGED, workspace=workspace, changes={"touchpoint_retention_days": [None, 400]})
    body = member_client.get(f"/w/{workspace.slug}/audit/").content.decode()
    assert "mqa_threshold: 20.00 → 35" in body and "touchpoint_retention_days: — → 400" in body
