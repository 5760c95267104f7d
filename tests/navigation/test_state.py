"""Range, grain, comparison and narrowing travel with every link between analysis pages, and are remembered."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from campaigns.models import Campaign
from tests.factories import AgencyMembershipFactory, WorkspaceFactory

STATE = "range=last_90&grain=week&compare=last_year&channel=email"


def links(html: str) -> dict[str, str]:
    """The workspace navigation's links, by label."""
    nav = html[html.index('id="workspace-nav"') : html.index("</nav>", html.index('id="workspace-nav"'))]
    return {label: href.replace("&amp;", "&") for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


@pytest.fixture
def owner(workspace):
    return AgencyMembershipFactory(agency=workspace.agency, role="owner").user


@pytest.fixture
def second(workspace):
    return WorkspaceFactory(agency=workspace.agency, name="Beta Client", slug="beta")


def test_analysis_links_carry_the_state_and_manage_links_do_not(client_for, owner):
    html = client_for(owner).get(f"/w/acme/campaigns/?{STATE}").content.decode()
    nav = links(html)
    # The page's own parameters, in one fixed order, the comparison included though this page does not read it.
    carried = "?range=last_90&grain=week&compare=last_year&channel=email"
    for label, path in [("Overview", ""), ("ABM", "abm/"), ("Web", "web/"), ("Attribution", "attribution/")]:
        assert nav[label] == f"/w/acme/{path}{carried}", label
    assert nav["People"] == "/w/acme/members/"
    assert nav["Data"] == "/w/acme/data/"


def test_a_drill_down_keeps_the_state(client_for, owner, seeded):
    html = client_for(owner).get(f"/w/acme/?{STATE}").content.decode()
    assert (
        "/w/acme/records/leads/?range=last_90&amp;grain=week&amp;compare=last_year&amp;channel=email&amp;stage=created"
        in html
    )


def test_the_switcher_keeps_range_grain_and_comparison_but_not_the_narrowing(client_for, owner, second):
    html = client_for(owner).get(f"/w/acme/abm/?{STATE}").content.decode()
    # The same page in the other client, without this client's channel narrowing.
    assert 'href="/w/beta/abm/?range=last_90&amp;grain=week&amp;compare=last_year"' in html
    assert 'href="/w/acme/abm/?range=last_90&amp;grain=week&amp;compare=last_year&amp;channel=email"' in html
    assert 'href="/?range=last_90&amp;grain=week&amp;compare=last_year">All workspaces' in html


def test_a_page_without_parameters_shows_the_last_choice(client_for, owner, seeded, second):
    client = client_for(owner)
    client.get(f"/w/acme/campaigns/?{STATE}")
    assert User.objects.get(pk=owner.pk).view_state == {
        "shared": {"range": "last_90", "grain": "week", "compare": "last_year"},
        "narrowing": {str(seeded.pk): {"channel": "email"}},
    }
    html = client.get("/w/acme/web/").content.decode()
    assert '<option value="last_90" selected>' in html
    assert '<option value="week" selected>' in html
    assert '<option value="email" selected>' in html
    # Another client: the same range and grain, every channel.
    other = client.get("/w/beta/").content.decode()
    assert 'href="/w/beta/web/?range=last_90&amp;grain=week&amp;compare=last_year"' in other
    assert "channel=email" not in other
    # Clearing the narrowing is remembered too.
    client.get("/w/acme/?range=last_7")
    assert '<option value="email" selected>' not in client.get("/w/acme/").content.decode()


def test_an_unknown_campaign_is_not_remembered(client_for, owner, workspace):
    client = client_for(owner)
    client.get("/w/acme/?range=last_7&campaign=nope")
    assert User.objects.get(pk=owner.pk).view_state["narrowing"] == {}


def test_a_remembered_campaign_stays_in_its_workspace(client_for, owner, seeded, second):
    campaign = Campaign.objects.unscoped().filter(workspace=seeded).order_by("pk").first()
    client = client_for(owner)
    client.get(f"/w/acme/?range=last_7&campaign={campaign.external_id}")
    assert f"Campaign: {campaign.name}" in client.get("/w/acme/web/").content.decode()
    assert "Campaign:" not in client.get("/w/beta/web/").content.decode()


def test_the_overview_remembers_the_range_and_keeps_the_grain(client_for, owner, second):
    client = client_for(owner)
    client.get("/w/acme/?range=last_90&grain=week")
    html = client.get("/?range=last_7").content.decode()
    assert 'href="/w/acme/?range=last_7&amp;grain=week"' in html
    assert User.objects.get(pk=owner.pk).view_state["shared"] == {"range": "last_7", "grain": "week"}


def test_nothing_is_written_when_the_choice_did_not_change(client_for, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)
    with CaptureQueriesContext(connection) as first:
        client.get("/w/acme/web/?range=last_7")
    with CaptureQueriesContext(connection) as again:
        client.get("/w/acme/web/?range=last_7")
    updates = [q["sql"] for q in first.captured_queries if q["sql"].startswith("UPDATE") and "view_state" in q["sql"]]
    assert len(updates) == 1
    assert not [q for q in again.captured_queries if "view_state" in q["sql"] and q["sql"].startswith("UPDATE")]
