"""Annotations: the API, the page, and the chart JSON that marks them (hand fixtures)."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign
from kpis.annotations import Annotation

API = "/api/v1/annotations/"


@pytest.fixture(autouse=True)
def _clock(fixed_clock):
    """The pages' default ranges follow the clock; the charts here name their dates."""


def campaign(workspace, external_id: str, channel: str = "email") -> Campaign:
    with workspace_scope(workspace):
        return Campaign.objects.create(external_id=external_id, name=external_id.title(), channel=channel)


def note(workspace, starts_on, text, ends_on=None, **scope) -> Annotation:
    with workspace_scope(workspace):
        return Annotation.objects.create(workspace=workspace, starts_on=starts_on, ends_on=ends_on, text=text, **scope)


def stored(workspace) -> list[tuple]:
    with workspace_scope(workspace):
        return list(Annotation.objects.order_by("id").values_list("starts_on", "ends_on", "text", "source"))


# ---------------------------------------------------------------- API


def test_create_and_read_back(workspace, api_client):
    campaign(workspace, "spring")
    answer = api_client.post(
        API,
        {"starts_on": "2026-03-02", "ends_on": "2026-03-04", "text": "Site outage", "campaign": "spring"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["campaign"] == "spring" and body["channel"] is None and body["source"] == "api"
    assert api_client.get(f"{API}{body['id']}/").json()["text"] == "Site outage"
    assert stored(workspace) == [(date(2026, 3, 2), date(2026, 3, 4), "Site outage", "api")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2026-03-04", "ends_on": "2026-03-02", "text": "x"}, "ends_on"),
        ({"starts_on": "2026-03-04"}, "text"),
        ({"text": "x"}, "starts_on"),
        ({"starts_on": "2026-02-30", "text": "x"}, "starts_on"),
        ({"starts_on": "2026-03-04", "text": "x" * 501}, "text"),
        ({"starts_on": "2026-03-04", "text": "x", "channel": "fax"}, "channel"),
        ({"starts_on": "2026-03-04", "text": "x", "campaign": "nope"}, "campaign"),
        ({"starts_on": "2026-03-04", "text": "x", "campaign": "spring", "channel": "seo"}, "channel"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field_and_writes_nothing(workspace, api_client, body, field):
    campaign(workspace, "spring", channel="email")
    answer = api_client.post(API, body, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == [field], answer.json()
    assert stored(workspace) == []


def test_another_workspaces_campaign_is_unknown_and_nothing_is_created(workspace, other_workspace, api_client):
    campaign(other_workspace, "theirs")
    answer = api_client.post(API, {"starts_on": "2026-03-04", "text": "x", "campaign": "theirs"}, format="json")
    assert answer.status_code == 400
    assert "theirs" in answer.json()["campaign"][0]
    assert stored(workspace) == [] and stored(other_workspace) == []


def test_list_filters_by_overlap_and_scope(workspace, api_client):
    spring = campaign(workspace, "spring", channel="email")
    campaign(workspace, "ads", channel="paid_search")
    everywhere = note(workspace, date(2026, 3, 1), "everywhere", ends_on=date(2026, 3, 10))
    of_spring = note(workspace, date(2026, 3, 5), "spring only", campaign=spring)
    of_search = note(workspace, date(2026, 3, 6), "search only", channel="paid_search")
    early = note(workspace, date(2026, 2, 1), "february")

    def ids(query: str) -> list[int]:
        answer = api_client.get(f"{API}?{query}")
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids("") == [early.pk, everywhere.pk, of_spring.pk, of_search.pk]
    # The range 3..5 March overlaps the 1..10 March note and the one on the 5th.
    assert ids("date_from=2026-03-03&date_to=2026-03-05") == [everywhere.pk, of_spring.pk]
    assert ids("date_to=2026-02-28") == [early.pk]
    assert ids("campaign=spring") == [early.pk, everywhere.pk, of_spring.pk]
    assert ids("channel=paid_search") == [early.pk, everywhere.pk, of_search.pk]
    assert ids("channel=email") == [early.pk, everywhere.pk, of_spring.pk]  # spring is an email campaign
    first_page = api_client.get(f"{API}?page_size=3").json()
    assert [row["id"] for row in first_page["results"]] == [early.pk, everywhere.pk, of_spring.pk]
    rest = api_client.get(first_page["next"]).json()
    assert ([row["id"] for row in rest["results"]], rest["next"]) == ([of_search.pk], None)
    assert api_client.get(f"{API}?cursor=cD1hYmM%3D").status_code == 400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("campaign=nope", "campaign"),
        ("date_from=2026-03-05&date_to=2026-03-01", "date_to"),
        ("date_from=yesterday", "date_from"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_list_parameters_are_a_400(workspace, api_client, query, field):
    answer = api_client.get(f"{API}?{query}")
    assert answer.status_code == 400
    assert field in answer.json()


def test_patch_changes_only_what_it_sends_and_delete_removes(workspace, api_client):
    spring = campaign(workspace, "spring")
    item = note(workspace, date(2026, 3, 2), "launch", campaign=spring)
    answer = api_client.patch(f"{API}{item.pk}/", {"text": "launch day"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["text"], answer.json()["campaign"], answer.json()["starts_on"]) == (
        "launch day",
        "spring",
        "2026-03-02",
    )
    # An end before the stored start is refused, the note unchanged.
    refused = api_client.patch(f"{API}{item.pk}/", {"ends_on": "2026-03-01"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["ends_on"]
    assert stored(workspace) == [(date(2026, 3, 2), None, "launch day", "person")]
    assert api_client.delete(f"{API}{item.pk}/").status_code == 204
    assert stored(workspace) == []


def test_another_workspaces_key_gets_404(workspace, api_client, other_api_client):
    item = note(workspace, date(2026, 3, 2), "ours")
    for method in ("get", "patch", "delete"):
        assert getattr(other_api_client, method)(f"{API}{item.pk}/", {}, format="json").status_code == 404
    assert other_api_client.get(API).json()["results"] == []
    assert stored(workspace) == [(date(2026, 3, 2), None, "ours", "person")]


# ---------------------------------------------------------------- pages


def test_editor_adds_edits_and_deletes_on_the_page(workspace, make_user, client_for):
    spring = campaign(workspace, "spring")
    editor = client_for(make_user(workspace, role="editor"))
    page = f"/w/{workspace.slug}/annotations/"
    added = editor.post(page, {"starts_on": "2026-03-02", "text": "Launch", "campaign": "spring", "channel": ""})
    assert added.status_code == 302
    with workspace_scope(workspace):
        item = Annotation.objects.get()
    assert (item.campaign, item.source, item.created_by.email) == (spring, "person", item.created_by.email)
    assert "Launch" in editor.get(page).content.decode()
    refused = editor.post(page, {"starts_on": "2026-03-04", "ends_on": "2026-03-01", "text": "Backwards"})
    assert refused.status_code == 400 and "The end is before the start." in refused.content.decode()
    edited = editor.post(
        f"{page}{item.pk}/", {"starts_on": "2026-03-02", "ends_on": "2026-03-03", "text": "Launch week"}
    )
    assert edited.status_code == 302
    assert stored(workspace) == [(date(2026, 3, 2), date(2026, 3, 3), "Launch week", "person")]
    assert editor.post(f"{page}{item.pk}/delete/").status_code == 302
    assert stored(workspace) == []


def test_viewer_reads_but_cannot_write(workspace, make_user, client_for):
    item = note(workspace, date(2026, 3, 2), "Outage")
    viewer = client_for(make_user(workspace, role="viewer"))
    page = f"/w/{workspace.slug}/annotations/"
    html = viewer.get(page).content.decode()
    assert "Outage" in html and "Add annotation" not in html
    assert viewer.post(page, {"starts_on": "2026-03-02", "text": "x"}).status_code == 403
    assert viewer.get(f"{page}{item.pk}/").status_code == 403
    assert viewer.post(f"{page}{item.pk}/delete/").status_code == 403
    assert stored(workspace) == [(date(2026, 3, 2), None, "Outage", "person")]


def test_another_agency_gets_404_on_the_pages(workspace, other_client):
    item = note(workspace, date(2026, 3, 2), "Outage")
    page = f"/w/{workspace.slug}/annotations/"
    assert other_client.get(page).status_code == 404
    assert other_client.get(f"{page}{item.pk}/").status_code == 404
    assert other_client.post(f"{page}{item.pk}/delete/").status_code == 404
    assert stored(workspace) == [(date(2026, 3, 2), None, "Outage", "person")]


def test_an_annotation_of_another_workspace_is_404_in_ones_own(workspace, other_workspace, member_client):
    theirs = note(other_workspace, date(2026, 3, 2), "Theirs")
    page = f"/w/{workspace.slug}/annotations/"
    assert member_client.get(f"{page}{theirs.pk}/").status_code == 404
    assert member_client.post(f"{page}{theirs.pk}/delete/").status_code == 404
    assert stored(other_workspace) == [(date(2026, 3, 2), None, "Theirs", "person")]


# ---------------------------------------------------------------- charts

RANGE = "range=custom&from=2026-03-01&to=2026-03-10&grain=day"


def chart_notes(client, workspace, chart="spend-leads", extra="") -> list[dict]:
    answer = client.get(f"/w/{workspace.slug}/charts/{chart}/?{RANGE}{extra}")
    assert answer.status_code == 200
    return answer.json()["annotations"]


def test_chart_json_has_the_annotations_of_its_range_and_scope(workspace, member_client):
    spring = campaign(workspace, "spring", channel="email")
    ads = campaign(workspace, "ads", channel="paid_search")
    note(workspace, date(2026, 2, 20), "ended before", ends_on=date(2026, 2, 28))
    note(workspace, date(2026, 3, 11), "after")
    outage = note(workspace, date(2026, 2, 27), "outage", ends_on=date(2026, 3, 2))
    launch = note(workspace, date(2026, 3, 5), "spring launch", campaign=spring)
    search = note(workspace, date(2026, 3, 8), "search bids", channel="paid_search")
    ads_note = note(workspace, date(2026, 3, 9), "ads paused", campaign=ads)

    notes = chart_notes(member_client, workspace)
    assert [n["id"] for n in notes] == [outage.pk, launch.pk, search.pk, ads_note.pk]
    first = notes[0]
    # Clipped to the range: 27 Feb..2 Mar covers the chart's days 1 and 2 March, indexes 0 and 1.
    assert (first["from_index"], first["to_index"], first["text"]) == (0, 1, "outage")
    assert (notes[1]["from_index"], notes[1]["to_index"], notes[1]["applies_to"]) == (4, 4, "Spring")

    assert [n["id"] for n in chart_notes(member_client, workspace, extra="&campaign=spring")] == [outage.pk, launch.pk]
    assert [n["id"] for n in chart_notes(member_client, workspace, extra="&campaign=ads")] == [
        outage.pk,
        search.pk,
        ads_note.pk,
    ]
    assert [n["id"] for n in chart_notes(member_client, workspace, extra="&channel=email")] == [outage.pk, launch.pk]


def test_weekly_chart_places_notes_in_their_week(workspace, member_client):
    item = note(workspace, date(2026, 3, 5), "mid-week")
    answer = member_client.get(
        f"/w/{workspace.slug}/charts/spend-leads/?range=custom&from=2026-02-23&to=2026-03-15&grain=week"
    )
    (listed,) = answer.json()["annotations"]
    # Weeks from Monday 23 Feb, 2 Mar, 9 Mar: Thursday 5 March is in the second.
    assert (listed["id"], listed["from_index"], listed["to_index"]) == (item.pk, 1, 1)


def test_a_chart_without_dates_lists_notes_without_markers(workspace, member_client):
    item = note(workspace, date(2026, 3, 5), "launch")
    (listed,) = chart_notes(member_client, workspace, chart="funnel")
    assert listed["id"] == item.pk and "from_index" not in listed


def test_deleting_a_campaign_deletes_its_notes_only(workspace, api_client):
    spring = campaign(workspace, "spring")
    note(workspace, date(2026, 3, 2), "spring launch", campaign=spring)
    note(workspace, date(2026, 3, 3), "outage")
    assert api_client.delete("/api/v1/campaigns/spring/").status_code == 204
    assert stored(workspace) == [(date(2026, 3, 3), None, "outage", "person")]
