"""Generated from the URL resolver: every route that names a workspace or an
object answers 404 to another tenant, never 200 or 403.

A new route with a URL parameter this file does not know fails
`test_every_parameterised_route_is_covered` until it is added to FILLERS
(or, with a reason, to NOT_TENANT_ROUTES).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Invitation, WorkspaceExport, WorkspaceMembership
from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from alerts.services import rule_create
from campaigns.models import Campaign, ImportJob
from kpis.annotations import Annotation
from kpis.targets import target_set
from reports.models import Recipient, ReportTemplate, Schedule
from sharing.services import share_link_create
from tests.data_factories import (
    AccountFactory,
    DealFactory,
    EmailStatFactory,
    LeadFactory,
    SeoStatFactory,
    SocialStatFactory,
    SpendEntryFactory,
    TouchpointFactory,
    WebStatFactory,
)
from tests.factories import AgencyMembershipFactory, WorkspaceMembershipFactory
from tracking.sites import SiteSettings, site_key_create

API_RESOURCES = {
    "api-campaign": "campaign",
    "api-account": "account",
    "api-lead": "lead",
    "api-deal": "deal",
    "api-touchpoint": "touchpoint",
}

# Routes with parameters that are not a tenant's object, and why.
NOT_TENANT_ROUTES = {
    "admin:": "Django admin: staff only, no tenant pages",
    "password_reset_confirm": "the token in the URL is the credential",
    "invitation-accept": "the token in the URL is the credential",
    "invitation-sso": "the token in the URL is the credential (tests/accounts/test_sso.py)",
    "account_": "allauth's own account pages (a user's own sign-in, no tenant's data; tests/accounts/test_mfa.py)",
    "shared-": "the token is the credential (share links: tests/sharing/)",
    "reports-unsubscribe": "the signed token in the URL is the credential (tests/reports/test_unsubscribe.py)",
    "brand-logo": "a logo under a random file name; logos are public (an agency's login page shows its own)",
}


@dataclass
class Route:
    name: str
    pattern: str  # e.g. "w/<slug:workspace_slug>/members/<int:membership_id>/"
    params: list[str]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            converters = entry.pattern.converters
            full = prefix + str(entry.pattern)
            params = list(getattr(entry.pattern, "converters", {}).keys()) or list(entry.pattern.regex.groupindex)
            yield Route(f"{namespace}{entry.name or ''}", full, params if converters or params else [])


def all_routes() -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns) if r.params]


def tenant_routes() -> list[Route]:
    return [r for r in all_routes() if not any(r.name.startswith(skip) for skip in NOT_TENANT_ROUTES)]


@pytest.fixture
def tenant_a(workspace):
    """One object of every kind in `workspace` (tenant A)."""
    staff = AgencyMembershipFactory(agency=workspace.agency, role="member")
    client_member = WorkspaceMembershipFactory(workspace=workspace, role="viewer")
    workspace_invitation = Invitation.objects.create(
        agency=workspace.agency,
        workspace=workspace,
        email="x@a.example",
        role="viewer",
        expires_at="2099-01-01T00:00:00Z",
    )
    agency_invitation = Invitation.objects.create(
        agency=workspace.agency, email="y@a.example", role="member", expires_at="2099-01-01T00:00:00Z"
    )
    key, _raw = api_key_create(workspace=workspace, name="a-key")
    site_key = site_key_create(
        workspace=workspace,
        settings=SiteSettings(
            name="a-site",
            allowed_origins=["https://a.example"],
            honour_dnt=True,
            capture_forms=False,
            campaign_parameter="utm_campaign",
        ),
    )
    with workspace_scope(workspace):
        dashboard_campaign = Campaign.objects.create(external_id="spring/launch", name="Spring launch", channel="email")
    target = target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 1, 1), value=100)
    account = AccountFactory(workspace=workspace, external_id="a-account")
    lead = LeadFactory(workspace=workspace, external_id="a-lead", account=account, source_campaign=dashboard_campaign)
    with workspace_scope(workspace):
        import_job = ImportJob.objects.create(resource="accounts", filename="a.csv", headers=["id"], mapping=[""])
        export = WorkspaceExport.objects.create()
    # The daily stats on the spend entry's campaign and date: their detail routes are filled from it.
    for stat_factory in (EmailStatFactory, WebStatFactory, SocialStatFactory):
        stat_factory(workspace=workspace, campaign=dashboard_campaign, date=date(2026, 1, 5))
    SeoStatFactory(workspace=workspace, date=date(2026, 1, 5))
    share_link, _token = share_link_create(workspace=workspace, name="a-link", target="dashboard", range_kind="last_7")
    with workspace_scope(workspace):
        report_template = ReportTemplate.objects.create(name="Short", sections=["headline"])
        schedule = Schedule.objects.create(name="Weekly", send_time="09:00", template=report_template)
        Recipient.objects.create(schedule=schedule, email="client@a.example")
        annotation = Annotation.objects.create(workspace=workspace, starts_on=date(2026, 1, 5), text="Launch")
    alert_rule = rule_create(
        workspace=workspace,
        name="Spend high",
        kpi="spend",
        condition="above",
        threshold=100,
        webhook_url="https://a.example/h",
    )
    return {
        "share_link": share_link,
        "annotation": annotation,
        "alert_rule": alert_rule,
        "campaign": dashboard_campaign,
        "spend": SpendEntryFactory(workspace=workspace, campaign=dashboard_campaign, date=date(2026, 1, 5)),
        "account": account,
        "lead": lead,
        "deal": DealFactory(workspace=workspace, external_id="a-deal", account=account, lead=lead),
        "touchpoint": TouchpointFactory(workspace=workspace, external_id="a-touchpoint", campaign=dashboard_campaign),
        "workspace": workspace,
        "agency_membership": staff,
        "workspace_membership": client_member,
        "workspace_invitation": workspace_invitation,
        "agency_invitation": agency_invitation,
        "api_key": key,
        "site_key": site_key,
        "dashboard_campaign": dashboard_campaign,
        "target": target,
        "import_job": import_job,
        "schedule": schedule,
        "report_template": report_template,
        "export": export,
    }


def _fill(route: Route, param: str, a: dict) -> str:
    """The value of `param` naming tenant A's object in `route`."""
    agency_level = route.pattern.startswith("agency/")
    fillers = {
        "workspace_slug": lambda: a["workspace"].slug,
        "agency_slug": lambda: a["workspace"].agency.slug,
        "membership_id": lambda: (a["agency_membership"] if agency_level else a["workspace_membership"]).pk,
        "invitation_id": lambda: (a["agency_invitation"] if agency_level else a["workspace_invitation"]).pk,
        "key_id": lambda: a["api_key"].pk,
        "site_id": lambda: a["site_key"].pk,
        "campaign_external_id": lambda: a["dashboard_campaign"].external_id,
        "target_id": lambda: a["target"].pk,
        "job_id": lambda: a["import_job"].pk,
        "link_id": lambda: a["share_link"].pk,
        "schedule_id": lambda: a["schedule"].pk,
        "template_id": lambda: a["report_template"].pk,
        "export_id": lambda: a["export"].pk,
        "annotation_id": lambda: a["annotation"].pk,
        "rule_id": lambda: a["alert_rule"].pk,
        # API detail routes: the resource's external_id (api-campaign, api-lead, …).
        "external_id": lambda: a[API_RESOURCES[route.name]].external_id,
        "campaign": lambda: a["spend"].campaign.external_id,
        "date": lambda: a["spend"].date.isoformat(),
        # A CSV template: the kind of data is no object, the workspace in the URL is the tenant's.
        "resource": lambda: "campaigns",
    }
    if param not in fillers:
        raise KeyError(f"No filler for <{param}> of route {route.name!r} ({route.pattern})")
    return str(fillers[param]())


def _url(route: Route, a: dict) -> str:
    import re

    def replace(match):
        return _fill(route, match.group(2), a)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route.pattern)


def test_every_parameterised_route_is_covered(tenant_a):
    missing = []
    for route in tenant_routes():
        try:
            _url(route, tenant_a)
        except KeyError as error:
            missing.append(str(error))
    assert not missing, "Routes without a cross-tenant check:\n" + "\n".join(missing)
    assert len(tenant_routes()) >= 10  # the walk really found the app's routes


def test_another_tenant_gets_404_on_every_route(tenant_a, other_client, other_api_client, member_client, api_client):
    checked = 0
    for route in tenant_routes():
        url = _url(route, tenant_a)
        outsider, insider = (other_api_client, api_client) if route.is_api else (other_client, member_client)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(outsider, method)(url)
            assert response.status_code == 404, (
                f"{method.upper()} {url} answered {response.status_code} to another tenant"
            )
        # Not vacuous: the owner of the object does reach it.
        assert insider.get(url).status_code != 404, f"GET {url} is 404 for its own tenant too"
        checked += 1
    assert checked == len(tenant_routes())


def test_client_viewer_of_one_workspace_gets_404_on_a_sibling_workspace(workspace, make_user, client_for):
    from tests.factories import WorkspaceFactory

    sibling = WorkspaceFactory(agency=workspace.agency)
    viewer = make_user(workspace, role="viewer")
    client = client_for(viewer)
    assert client.get(f"/w/{workspace.slug}/").status_code == 200
    assert client.get(f"/w/{sibling.slug}/").status_code == 404
    assert WorkspaceMembership.objects.filter(user=viewer).count() == 1


def test_a_forecast_reads_the_keys_workspace_only(workspace, other_workspace, api_client, other_api_client):
    from datetime import timedelta

    import time_machine

    from kpis.models import WorkspaceDay

    with workspace_scope(workspace):
        WorkspaceDay.objects.bulk_create(
            WorkspaceDay(workspace=workspace, day=date(2026, 5, 1) + timedelta(days=i), leads=6) for i in range(40)
        )
    with time_machine.travel("2026-06-10 12:00Z", tick=False):
        mine = api_client.get("/api/v1/kpis/forecast/?kpi=leads&horizon=month").json()
        theirs = other_api_client.get("/api/v1/kpis/forecast/?kpi=leads&horizon=month").json()
    assert mine["actual_to_date"] == 54
    assert (theirs["actual_to_date"], theirs["value"], theirs["history_days"]) == (0, None, 0)


def test_the_confirmation_page_of_another_tenants_action_is_a_404(tenant_a, workspace, other_client, member_client):
    """/confirm/ names its action in the query string: the action's workspace or agency must be the person's."""
    key, _secret = api_key_create(workspace=workspace, name="confirm")
    for action in (f"/w/{workspace.slug}/api-keys/{key.pk}/revoke/", f"/agency/{workspace.agency.slug}/members/1/"):
        assert other_client.get("/confirm/", {"action": action}).status_code == 404, action
        assert member_client.get("/confirm/", {"action": action}).status_code == 200, action
