"""The audit log (issue 23 point 2): an entry for every audited action, where each belongs, and nowhere else."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from accounts import offboarding, services
from accounts.forms import WorkspaceSettingsForm
from accounts.models import AgencyRole, AuditAction, AuditEntry, Invitation, WorkspaceMembership
from accounts.rls import rls_bypass
from alerts.models import AlertRule
from campaigns.retention import touchpoints_purge
from kpis.targets import target_delete, target_set
from reports.models import Schedule
from sharing.services import share_link_create, share_link_revoke
from tests.alerts.test_pages import VALID as ALERT_RULE
from tests.app_role import APP_ROLE_DB
from tests.campaigns.test_csv_import import confirm, uploaded_job, url
from tests.data_factories import CampaignFactory, TouchpointFactory
from tests.factories import PASSWORD

CAMPAIGNS_CSV = "External ID,Name,Channel\nc-1,Spring,email\n"


def entries(action: str) -> list[AuditEntry]:
    with rls_bypass():
        return list(AuditEntry.objects.filter(action=action).select_related("agency", "workspace"))


def settings_data(workspace, **changes) -> dict:
    form = WorkspaceSettingsForm(instance=workspace)
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    return data


@pytest.fixture
def owner(agency_owner):
    return agency_owner


@pytest.fixture
def viewer(workspace, make_user):
    return make_user(workspace, role="viewer", email="viewer@client.example")


def _sign_in(ctx):
    Client().post("/login/", {"username": ctx["viewer"].email, "password": PASSWORD})


def _sign_in_failed(ctx):
    Client().post("/login/", {"username": ctx["viewer"].email, "password": "wrong-password-1"})


def _sign_out(ctx):
    client = Client()
    client.post("/login/", {"username": ctx["viewer"].email, "password": PASSWORD})
    client.post("/logout/")


def _invite(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/members/", {"email": "new@client.example", "role": "viewer"})


def _accept(ctx):
    invitation = services.invitation_create(
        agency=ctx["ws"].agency, workspace=ctx["ws"], email="new@client.example", role="editor", invited_by=ctx["owner"]
    )
    services.invitation_accept(invitation=invitation, user=ctx["viewer"])


def _revoke_invitation(ctx):
    invitation = services.invitation_create(
        agency=ctx["ws"].agency, workspace=ctx["ws"], email="new@client.example", role="editor", invited_by=ctx["owner"]
    )
    ctx["client"].post(f"/w/{ctx['ws'].slug}/invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def _membership(ctx):
    return WorkspaceMembership.objects.get(user=ctx["viewer"])


def _role_change(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/members/{_membership(ctx).pk}/", {"role": "editor"})


def _member_removed(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/members/{_membership(ctx).pk}/", {"action": "remove"})


def _api_key_created(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/api-keys/", {"name": "HubSpot"})


def _api_key_revoked(ctx):
    key, _ = services.api_key_create(workspace=ctx["ws"], name="HubSpot")
    ctx["client"].post(f"/w/{ctx['ws'].slug}/api-keys/{key.pk}/revoke/")


def _settings(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/settings/", settings_data(ctx["ws"], name="Acme Renamed"))


def _kpi_settings(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/settings/", settings_data(ctx["ws"], mqa_threshold="35"))


def _brand(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/settings/logo/", {"remove_logo": "on"})


def _target_created(ctx):
    target_set(workspace=ctx["ws"], kpi="spend", period_kind="month", starts_on=ctx["day"], value=Decimal("1000"))


def _target_updated(ctx):
    _target_created(ctx)
    target_set(workspace=ctx["ws"], kpi="spend", period_kind="month", starts_on=ctx["day"], value=Decimal("1200"))


def _target_deleted(ctx):
    target = target_set(
        workspace=ctx["ws"], kpi="spend", period_kind="month", starts_on=ctx["day"], value=Decimal("1000")
    )
    assert target_delete(workspace=ctx["ws"], target_id=target.pk)


def _import(ctx):
    job = uploaded_job(ctx["client"], ctx["ws"], "campaigns", CAMPAIGNS_CSV)
    confirm(ctx["client"], ctx["ws"], job)
    return job


def _import_undone(ctx):
    job = _import(ctx)
    response = ctx["client"].post(url(ctx["ws"], f"{job.pk}/undo/"))
    assert response.status_code == 302


def _share_created(ctx):
    share_link_create(
        workspace=ctx["ws"], name="Board", target="dashboard", range_kind="last_7", created_by=ctx["owner"]
    )


def _share_revoked(ctx):
    link, _ = share_link_create(workspace=ctx["ws"], name="Board", target="dashboard", range_kind="last_7")
    share_link_revoke(link)


SCHEDULE = {
    "name": "Monthly",
    "frequency": "monthly",
    "weekday": "0",
    "day_of_month": "3",
    "send_time": "08:00",
    "coverage": "last_month",
    "comparison": "last_year",
    "active": "on",
    "external": "boss@client.example",
}


def _schedule_saved(ctx):
    response = ctx["client"].post(f"/w/{ctx['ws'].slug}/reports/schedules/new/", SCHEDULE)
    assert response.status_code == 302


def _schedule_deleted(ctx):
    _schedule_saved(ctx)
    schedule = Schedule.objects.unscoped().get()
    ctx["client"].post(f"/w/{ctx['ws'].slug}/reports/schedules/{schedule.pk}/delete/")


def _export(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/export/")


def _delete(ctx):
    ctx["client"].post(f"/w/{ctx['ws'].slug}/delete/", {"name": ctx["ws"].name})


def _deleted(ctx):
    offboarding.workspace_delete_start(workspace=ctx["ws"], user=ctx["owner"])
    offboarding.workspace_delete_data(workspace_id=ctx["ws"].pk)


def _account_deleted(ctx):
    offboarding.account_delete(user=ctx["viewer"])


def _touchpoints_purged(ctx):
    ws = ctx["ws"]
    TouchpointFactory(workspace=ws)  # dated T0 (tests/clock.py), long before the day below
    ws.touchpoint_retention_days = 30
    ws.save()
    assert touchpoints_purge(workspace=ws, today=ctx["day"]) == 1


def _alert_rule_created(ctx):
    response = ctx["client"].post(f"/w/{ctx['ws'].slug}/alerts/new/", ALERT_RULE)
    assert response.status_code == 302


def _alert_rule(ctx) -> AlertRule:
    _alert_rule_created(ctx)
    return AlertRule.objects.unscoped().get(workspace=ctx["ws"])


def _alert_rule_updated(ctx):
    rule = _alert_rule(ctx)
    ctx["client"].post(f"/w/{ctx['ws'].slug}/alerts/{rule.pk}/edit/", {**ALERT_RULE, "threshold": "50"})


def _alert_rule_deleted(ctx):
    rule = _alert_rule(ctx)
    ctx["client"].post(f"/w/{ctx['ws'].slug}/alerts/{rule.pk}/delete/")


def _alert_secret_regenerated(ctx):
    hook = {**ALERT_RULE, "webhook_url": "http://127.0.0.1:9/hook"}  # private addresses allowed in tests
    assert ctx["client"].post(f"/w/{ctx['ws'].slug}/alerts/new/", hook).status_code == 302
    rule = AlertRule.objects.unscoped().get(workspace=ctx["ws"])
    ctx["client"].post(f"/w/{ctx['ws'].slug}/alerts/{rule.pk}/secret/")


def _layout_saved(ctx):
    form = {"items-headline": ["leads"], "section": ["cost"], "items-cost": ["cpl"], "op": "save"}
    assert ctx["client"].post(f"/w/{ctx['ws'].slug}/layout/", form).status_code == 302


def _layout_reset(ctx):
    _layout_saved(ctx)
    ctx["client"].post(f"/w/{ctx['ws'].slug}/layout/", {"op": "reset"})


# action: (perform, where the entry goes: "workspace" | "agency" | None, the actor: "owner" | "viewer" | None)
ACTIONS = {
    AuditAction.SIGN_IN: (_sign_in, "workspace", "viewer"),
    AuditAction.SIGN_IN_FAILED: (_sign_in_failed, "workspace", None),
    AuditAction.SIGN_OUT: (_sign_out, "workspace", "viewer"),
    AuditAction.INVITATION_SENT: (_invite, "workspace", "owner"),
    AuditAction.INVITATION_ACCEPTED: (_accept, "workspace", "viewer"),
    AuditAction.INVITATION_REVOKED: (_revoke_invitation, "workspace", "owner"),
    AuditAction.ROLE_CHANGED: (_role_change, "workspace", "owner"),
    AuditAction.MEMBER_REMOVED: (_member_removed, "workspace", "owner"),
    AuditAction.API_KEY_CREATED: (_api_key_created, "workspace", "owner"),
    AuditAction.API_KEY_REVOKED: (_api_key_revoked, "workspace", "owner"),
    AuditAction.SETTINGS_CHANGED: (_settings, "workspace", "owner"),
    AuditAction.KPI_SETTINGS_CHANGED: (_kpi_settings, "workspace", "owner"),
    AuditAction.BRAND_CHANGED: (_brand, "workspace", "owner"),
    AuditAction.TARGET_CREATED: (_target_created, "workspace", None),
    AuditAction.TARGET_UPDATED: (_target_updated, "workspace", None),
    AuditAction.TARGET_DELETED: (_target_deleted, "workspace", None),
    AuditAction.IMPORT_CONFIRMED: (_import, "workspace", "owner"),
    AuditAction.IMPORT_UNDONE: (_import_undone, "workspace", "owner"),
    AuditAction.SHARE_LINK_CREATED: (_share_created, "workspace", "owner"),
    AuditAction.SHARE_LINK_REVOKED: (_share_revoked, "workspace", None),
    AuditAction.SCHEDULE_SAVED: (_schedule_saved, "workspace", "owner"),
    AuditAction.SCHEDULE_DELETED: (_schedule_deleted, "workspace", "owner"),
    AuditAction.WORKSPACE_EXPORTED: (_export, "workspace", "owner"),
    AuditAction.WORKSPACE_DELETE: (_delete, "agency", "owner"),
    AuditAction.WORKSPACE_DELETED: (_deleted, "agency", None),
    AuditAction.ACCOUNT_DELETED: (_account_deleted, None, None),
    AuditAction.TOUCHPOINTS_PURGED: (_touchpoints_purged, "workspace", None),
    AuditAction.ALERT_RULE_CREATED: (_alert_rule_created, "workspace", "owner"),
    AuditAction.ALERT_RULE_UPDATED: (_alert_rule_updated, "workspace", "owner"),
    AuditAction.ALERT_RULE_DELETED: (_alert_rule_deleted, "workspace", "owner"),
    AuditAction.ALERT_SECRET_REGENERATED: (_alert_secret_regenerated, "workspace", "owner"),
    AuditAction.LAYOUT_SAVED: (_layout_saved, "workspace", "owner"),
    AuditAction.LAYOUT_RESET: (_layout_reset, "workspace", "owner"),
}


# Performed by calling the service, outside any request: no address to record.
SERVICE_CALLS = {_accept, _share_created}


def test_every_action_has_a_case():
    # Second-factor actions come in pairs (an app and its recovery codes): tests/accounts/test_mfa.py has them.
    factors = {a for a in AuditAction.values if a.startswith(("auth.factor_", "auth.recovery_codes_"))}
    assert len(factors) == 4 and set(ACTIONS) | factors == set(AuditAction.values)


# A workspace's deletion forgets its entries through a SECURITY DEFINER function: APP_ROLE_DB.
@pytest.mark.parametrize(
    "action", [pytest.param(a, marks=APP_ROLE_DB) if a.startswith("workspace.delete") else a for a in ACTIONS]
)
def test_each_action_leaves_one_entry_where_it_belongs(
    action, workspace, other_workspace, owner, viewer, member_client, django_capture_on_commit_callbacks
):
    perform, place, actor = ACTIONS[action]
    ctx = {"ws": workspace, "owner": owner, "viewer": viewer, "client": member_client, "day": date(2026, 11, 1)}
    CampaignFactory(workspace=workspace, external_id="c-0")
    before = {e.pk for e in entries(action)}  # the owner's session (force_login signs in too)
    with django_capture_on_commit_callbacks(execute=True):
        perform(ctx)
    found = [e for e in entries(action) if e.pk not in before]
    assert len(found) == 1, [(e.action, e.details) for e in found]
    entry = found[0]
    if place == "workspace":
        assert (entry.workspace_id, entry.agency_id) == (workspace.pk, workspace.agency_id)
    elif place == "agency":
        assert (entry.workspace_id, entry.agency_id) == (None, workspace.agency_id)
    else:
        assert (entry.workspace_id, entry.agency_id) == (None, None)
    expected_email = {"owner": owner.email, "viewer": "viewer@client.example", None: entry.actor_email}[actor]
    assert entry.actor_email == expected_email
    if actor is not None and perform not in SERVICE_CALLS:
        assert entry.ip_address == "127.0.0.1"  # the test client's REMOTE_ADDR, through accounts/network.py
    # Nothing of it in another agency.
    with rls_bypass():
        assert not AuditEntry.objects.filter(agency=other_workspace.agency).exists()


def test_a_failed_sign_in_keeps_the_email_tried_never_the_password(viewer):
    Client().post("/login/", {"username": "Viewer@Client.example", "password": "wrong-password-1"})
    (entry,) = entries(AuditAction.SIGN_IN_FAILED)
    assert (entry.actor_id, entry.actor_email) == (None, "viewer@client.example")
    assert "wrong-password-1" not in str(entry.details)


def test_staff_sign_ins_are_agency_entries(workspace, make_user):
    staff = make_user(workspace, agency_role=AgencyRole.ADMIN, email="staff@agency.example")
    Client().post("/login/", {"username": staff.email, "password": PASSWORD}, HTTP_USER_AGENT="Firefox/140")
    (entry,) = entries(AuditAction.SIGN_IN)
    assert (entry.agency_id, entry.workspace_id, entry.actor_id) == (workspace.agency_id, None, staff.pk)
    assert entry.user_agent == "Firefox/140"


def test_settings_entries_say_what_changed_from_what(workspace, member_client):
    member_client.post(f"/w/{workspace.slug}/settings/", settings_data(workspace, mqa_threshold="35", currency="EUR"))
    (kpi,) = entries(AuditAction.KPI_SETTINGS_CHANGED)
    (general,) = entries(AuditAction.SETTINGS_CHANGED)
    assert kpi.details == {"changes": {"mqa_threshold": ["20.00", "35"]}}
    assert general.details == {"changes": {"currency": ["USD", "EUR"]}}


def test_the_actor_survives_the_deletion_of_the_person(workspace, owner, make_user):
    editor = make_user(workspace, role="admin", email="leaver@client.example")
    Client().post("/login/", {"username": editor.email, "password": PASSWORD})
    editor.delete()
    (entry,) = entries(AuditAction.SIGN_IN)
    assert entry.actor_email == "leaver@client.example"
