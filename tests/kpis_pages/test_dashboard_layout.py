"""Dashboard layouts: resolution (workspace → agency default → built-in), validation, the editor pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditAction, AuditEntry
from accounts.rls import rls_bypass
from accounts.tenancy import workspace_scope
from kpis import dashboard_layouts as layouts
from kpis.dashboard_layouts import AgencyLayout, WorkspaceLayout

SMALL = {
    "headline": ["leads", "spend"],
    "sections": [
        {"key": "cost", "items": ["cpl", "chart:cost-trend"], "open": True},
        {"key": "funnel", "items": ["mqls"], "open": False},
    ],
}


def entries(action: str) -> list[AuditEntry]:
    with rls_bypass():
        return list(AuditEntry.objects.filter(action=action))


# ------------------------------------------------------------------ resolution and validation


def test_built_in_default_is_concise(db):
    layout = layouts.built_in()
    assert layout.headline == ["spend", "leads", "cpl", "open_deals", "won_revenue", "roi"]
    assert [s.key for s in layout.sections][:3] == ["trends", "funnel", "cost"]
    # Only the first two sections start open.
    assert [s.open for s in layout.sections] == [True, True] + [False] * (len(layout.sections) - 2)
    assert layout.sections[0].items == ["chart:spend-leads", "chart:channels"]
    # The funnel's counts that were headline cards before stay on the page, in its Funnel section.
    assert layout.sections[1].items[:5] == ["chart:funnel", "mqls", "sqos", "new_customers", "pipeline_velocity"]


def test_resolution_workspace_then_agency_then_built_in(workspace, other_workspace):
    assert layouts.resolve(workspace).source == "built-in"
    layouts.agency_layout_save(agency=workspace.agency, data={"headline": ["roi"], "sections": []})
    agency_default = layouts.resolve(workspace)
    assert (agency_default.source, agency_default.headline) == ("agency", ["roi"])
    layouts.workspace_layout_save(workspace=workspace, data=SMALL)
    own = layouts.resolve(workspace)
    assert own.source == "workspace"
    assert own.headline == ["leads", "spend"]
    assert [(s.key, s.items, s.open) for s in own.sections] == [
        ("cost", ["cpl", "chart:cost-trend"], True),
        ("funnel", ["mqls"], False),
    ]
    # Another agency's workspace is untouched by either.
    assert layouts.resolve(other_workspace).source == "built-in"
    layouts.workspace_layout_reset(workspace=workspace)
    assert layouts.resolve(workspace).source == "agency"
    layouts.agency_layout_reset(agency=workspace.agency)
    assert layouts.resolve(workspace).source == "built-in"


@pytest.mark.parametrize(
    "data, named",
    [
        ({"headline": ["leads", "no_such_kpi"], "sections": []}, "no_such_kpi"),
        ({"headline": ["chart:funnel"], "sections": []}, "chart:funnel"),  # the headline holds KPI cards only
        ({"headline": [], "sections": [{"key": "nowhere", "items": []}]}, "section nowhere"),
        ({"headline": [], "sections": [{"key": "cost", "items": ["chart:pie"]}]}, "chart:pie"),
    ],
)
def test_unknown_keys_are_refused_on_save(workspace, data, named):
    with pytest.raises(ValidationError) as refused:
        layouts.workspace_layout_save(workspace=workspace, data=data)
    assert named in refused.value.messages[0]
    with workspace_scope(workspace):
        assert not WorkspaceLayout.objects.exists()
    assert entries(AuditAction.LAYOUT_SAVED) == []


def test_unknown_keys_are_ignored_on_read(workspace):
    """A KPI or section gone from the catalogue since the layout was saved never breaks the page."""
    with workspace_scope(workspace):
        WorkspaceLayout.objects.create(
            workspace=workspace,
            layout={
                "headline": ["retired_kpi", "leads", "leads"],
                "sections": [
                    {"key": "retired", "items": ["spend"], "open": True},
                    {"key": "cost", "items": ["cpl", "retired_kpi", "chart:gone"], "open": True},
                    "not a section",
                ],
            },
        )
    layout = layouts.resolve(workspace)
    assert layout.headline == ["leads"]
    assert [(s.key, s.items) for s in layout.sections] == [("cost", ["cpl"])]
    assert layout.kpis() == ("leads", "cpl")


def test_a_section_twice_is_refused(workspace):
    twice = {"headline": [], "sections": [{"key": "cost", "items": []}, {"key": "cost", "items": []}]}
    with pytest.raises(ValidationError):
        layouts.workspace_layout_save(workspace=workspace, data=twice)


# ------------------------------------------------------------------ the dashboard


def test_dashboard_follows_the_workspace_layout(seeded, member_client):
    layouts.workspace_layout_save(workspace=seeded, data=SMALL)
    html = member_client.get("/w/acme/").content.decode()
    headline = html[html.index('id="headline-title"') : html.index('class="jump-menu"')]
    assert re.findall(r'data-kpi="(\w+)"', headline) == ["leads", "spend"]
    # The jump menu lists the two sections, in order; Cost open, Funnel collapsed.
    assert re.findall(r'href="#section-([\w-]+)" data-open-section', html) == ["cost", "funnel"]
    assert '<details class="dash-section" id="section-cost" data-section="cost" open>' in html
    assert '<details class="dash-section" id="section-funnel" data-section="funnel">' in html
    assert re.findall(r'data-chart="([\w-]+)"', html) == ["cost-trend"]
    assert 'data-kpi="roi"' not in html  # hidden: not in the layout


def test_headline_cards_carry_a_labelled_sparkline(seeded, member_client):
    html = member_client.get("/w/acme/?range=last_30").content.decode()
    labels = re.findall(r'<svg class="sparkline kpi-spark"[^>]*aria-label="([^"]+)"', html)
    assert len(labels) == 6  # the six headline cards, not the sections' compact cards
    assert labels[1].startswith("Leads per 4 days, ")  # 30 days in eight windows of 4


def test_the_formula_is_behind_one_info_button_per_card(seeded, member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert html.count('<summary title="How is this calculated?">') == html.count('<article class="kpi-card')
    assert "How is this calculated? Cost per lead" in html  # each button named after its card


# ------------------------------------------------------------------ the editor pages


def form_of(layout: dict) -> dict:
    """The editor's POST for `layout` (its hidden inputs)."""
    data = {"items-headline": layout["headline"], "section": [s["key"] for s in layout["sections"]]}
    for s in layout["sections"]:
        data[f"items-{s['key']}"] = s["items"]
        if s.get("open"):
            data[f"open-{s['key']}"] = "on"
    return data


def test_an_editor_saves_a_layout_audited(workspace, make_user, client_for):
    editor = client_for(make_user(workspace, role="editor"))
    page = editor.get("/w/acme/layout/")
    assert page.status_code == 200
    assert 'name="items-headline" value="spend"' in page.content.decode()
    response = editor.post("/w/acme/layout/", {**form_of(SMALL), "op": "save"})
    assert response.status_code == 302
    assert layouts.resolve(workspace).headline == ["leads", "spend"]
    [entry] = entries(AuditAction.LAYOUT_SAVED)
    assert entry.workspace_id == workspace.pk
    assert entry.details == {"headline": "leads, spend", "sections": "cost (cpl, chart:cost-trend); funnel (mqls)"}


def test_buttons_change_the_draft_without_saving(workspace, member_client):
    draft = member_client.post("/w/acme/layout/", {**form_of(SMALL), "op": "up:headline:spend"})
    assert draft.status_code == 200
    html = draft.content.decode()
    assert re.findall(r'name="items-headline" value="(\w+)"', html) == ["spend", "leads"]
    assert "Changes not saved yet" in html
    with workspace_scope(workspace):
        assert not WorkspaceLayout.objects.exists()
    hidden = member_client.post("/w/acme/layout/", {**form_of(SMALL), "op": "hide:cost:cpl"}).content.decode()
    assert re.findall(r'name="items-cost" value="([\w:-]+)"', hidden) == ["chart:cost-trend"]
    added = member_client.post("/w/acme/layout/", {**form_of(SMALL), "op": "add:funnel", "add-funnel": "chart:funnel"})
    assert re.findall(r'name="items-funnel" value="([\w:-]+)"', added.content.decode()) == ["mqls", "chart:funnel"]
    moved = member_client.post("/w/acme/layout/", {**form_of(SMALL), "op": "section-down:cost"})
    assert re.findall(r'name="section" value="([\w-]+)"', moved.content.decode())[:2] == ["funnel", "cost"]


@pytest.mark.parametrize(
    "post",
    [
        {"items-headline": ["leads", "bogus"], "op": "save"},
        {"section": ["cost"], "items-cost": ["chart:nope"], "op": "save"},
        {"items-headline": ["leads"], "op": "add:headline", "add-headline": ""},
        {"items-headline": ["leads"], "op": "up:nowhere:leads"},
    ],
)
def test_bad_input_is_a_form_error_and_nothing_saved(workspace, member_client, post):
    response = member_client.post("/w/acme/layout/", post)
    assert response.status_code == 400
    assert 'class="flash error" role="alert"' in response.content.decode()
    with workspace_scope(workspace):
        assert not WorkspaceLayout.objects.exists()


def test_reset_goes_back_to_the_agency_default(workspace, member_client):
    layouts.agency_layout_save(agency=workspace.agency, data={"headline": ["roi"], "sections": []})
    layouts.workspace_layout_save(workspace=workspace, data=SMALL)
    assert member_client.post("/w/acme/layout/", {"op": "reset"}).status_code == 302
    assert layouts.resolve(workspace).headline == ["roi"]
    assert len(entries(AuditAction.LAYOUT_RESET)) == 1


def test_a_viewer_gets_403_and_another_tenant_404(workspace, make_user, client_for, other_client):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.get("/w/acme/layout/").status_code == 403
    assert viewer.post("/w/acme/layout/", {**form_of(SMALL), "op": "save"}).status_code == 403
    assert other_client.get("/w/acme/layout/").status_code == 404
    assert other_client.post("/w/acme/layout/", {**form_of(SMALL), "op": "save"}).status_code == 404
    assert other_client.get("/agency/" + workspace.agency.slug + "/layout/").status_code == 404
    with workspace_scope(workspace):
        assert not WorkspaceLayout.objects.exists()


def test_agency_owner_edits_the_default_and_members_cannot(workspace, member_client, make_user, client_for):
    slug = workspace.agency.slug
    assert member_client.get(f"/agency/{slug}/layout/").status_code == 200
    response = member_client.post(f"/agency/{slug}/layout/", {**form_of(SMALL), "op": "save"})
    assert response.status_code == 302
    assert AgencyLayout.objects.get(agency=workspace.agency).layout["headline"] == ["leads", "spend"]
    assert layouts.resolve(workspace).source == "agency"
    [entry] = entries(AuditAction.LAYOUT_SAVED)
    assert (entry.agency_id, entry.workspace_id) == (workspace.agency_id, None)
    staff = client_for(make_user(workspace, agency_role="member"))
    assert staff.get(f"/agency/{slug}/layout/").status_code == 403
    # An agency member edits a workspace's layout (an editor there), not the agency's default.
    assert staff.get("/w/acme/layout/").status_code == 200


def test_a_share_link_shows_the_workspace_layout_without_the_editing_link(seeded, client):
    from sharing.services import share_link_create

    layouts.workspace_layout_save(workspace=seeded, data=SMALL)
    _link, token = share_link_create(workspace=seeded, name="Board", target="dashboard", range_kind="last_30")
    html = client.get(f"/s/{token}/").content.decode()
    headline = html[html.index('id="headline-title"') : html.index('class="jump-menu"')]
    assert re.findall(r'data-kpi="(\w+)"', headline) == ["leads", "spend"]
    assert re.findall(r'data-chart="([\w-]+)"', html) == ["cost-trend"]
    assert "Customise this dashboard" not in html and "/layout/" not in html
