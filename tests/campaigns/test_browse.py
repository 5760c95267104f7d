"""Data pages: lists with filters, search, sorting and pagination; the bulk target list; CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns import exports
from campaigns.models import Account, DataChange, ImportJob
from tests.data_factories import AccountFactory, CampaignFactory, DealFactory, LeadFactory

T = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def page(client, workspace, what, **params):
    response = client.get(f"/w/{workspace.slug}/data/{what}{'/' if what else ''}", params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def ids(html: str) -> list[str]:
    """The external ids listed, in page order (each row shows its id in a <small>)."""
    return re.findall(r'<small class="muted(?: block)?">([\w./-]+)</small>', html)


def export(client, workspace, what, **params) -> list[dict[str, str]]:
    response = client.get(f"/w/{workspace.slug}/data/{what}/", {**params, "export": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def data(workspace):
    spring = CampaignFactory(workspace=workspace, external_id="spring", name="Spring webinar", channel="webinar")
    ads = CampaignFactory(workspace=workspace, external_id="ads", name="Search ads", channel="paid_search", is_abm=True)
    acme = AccountFactory(workspace=workspace, external_id="acme", name="Acme", domain="acme.example", is_target=True)
    globex = AccountFactory(workspace=workspace, external_id="globex", name="Globex", domain="globex.example")
    LeadFactory(workspace=workspace, external_id="l-new", email="new@acme.example", account=acme, created_at=T)
    LeadFactory(
        workspace=workspace,
        external_id="l-mql",
        email="mql@globex.example",
        account=globex,
        source_campaign=spring,
        created_at=T - timedelta(days=20),
        mql_at=T,
    )
    LeadFactory(
        workspace=workspace,
        external_id="l-sqo",
        email="sqo@acme.example",
        source_campaign=ads,
        created_at=T - timedelta(days=40),
        mql_at=T,
        sql_at=T,
        sqo_at=T,
    )
    DealFactory(workspace=workspace, external_id="d-open", name="Open deal", account=acme, amount=Decimal("500.00"))
    DealFactory(
        workspace=workspace,
        external_id="d-won",
        name="Won deal",
        account=globex,
        source_campaign=spring,
        amount=Decimal("1234.50"),
        status="won",
        closed_at=T,
    )
    return workspace


def test_campaign_list_filters_by_channel_abm_and_search(data, member_client):
    assert ids(page(member_client, data, "campaigns")) == ["ads", "spring"]  # by name
    assert ids(page(member_client, data, "campaigns", channel="webinar")) == ["spring"]
    assert ids(page(member_client, data, "campaigns", abm="yes")) == ["ads"]
    assert ids(page(member_client, data, "campaigns", q="WEBIN")) == ["spring"]
    html = page(member_client, data, "campaigns")
    # The campaign detail is the dashboards' campaign page (its spend, leads and deals sourced).
    assert f'href="/w/{data.slug}/campaigns/spring/"' in html


def test_campaign_list_filters_by_the_dates_it_runs(workspace, member_client):
    from datetime import date

    CampaignFactory(workspace=workspace, external_id="q1", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    CampaignFactory(workspace=workspace, external_id="q2", starts_on=date(2026, 4, 1), ends_on=date(2026, 6, 30))
    CampaignFactory(workspace=workspace, external_id="always")
    params = {"active_from": "2026-03-15", "active_to": "2026-03-20", "sort": "name"}
    assert sorted(ids(page(member_client, workspace, "campaigns", **params))) == ["always", "q1"]


def test_lead_list_filters_by_stage_campaign_dates_and_search(data, member_client):
    assert ids(page(member_client, data, "leads")) == ["l-new", "l-mql", "l-sqo"]  # newest first
    assert ids(page(member_client, data, "leads", stage="new")) == ["l-new"]
    assert ids(page(member_client, data, "leads", stage="mql")) == ["l-mql"]
    assert ids(page(member_client, data, "leads", stage="sqo")) == ["l-sqo"]
    assert ids(page(member_client, data, "leads", campaign="spring")) == ["l-mql"]
    created = {"created_from": "2026-02-01", "created_to": "2026-02-28"}
    assert ids(page(member_client, data, "leads", **created)) == ["l-mql"]
    assert ids(page(member_client, data, "leads", q="globex")) == ["l-mql"]  # the account's name
    assert ids(page(member_client, data, "leads", q="sqo@")) == ["l-sqo"]
    assert ids(page(member_client, data, "leads", sort="created")) == ["l-sqo", "l-mql", "l-new"]


def test_a_bad_filter_value_is_reported_and_ignored(data, member_client):
    html = page(member_client, data, "leads", created_from="31/02/2026", stage="nonsense")
    assert "Enter a valid date." in html
    assert "Select a valid choice." in html
    assert len(ids(html)) == 3


def test_deal_list_filters_by_status_and_sorts_by_amount(data, member_client):
    assert ids(page(member_client, data, "deals", status="won")) == ["d-won"]
    assert ids(page(member_client, data, "deals", sort="-amount")) == ["d-won", "d-open"]
    assert ids(page(member_client, data, "deals", sort="amount")) == ["d-open", "d-won"]
    closed = {"closed_from": "2026-03-10", "closed_to": "2026-03-10"}
    assert ids(page(member_client, data, "deals", **closed)) == ["d-won"]
    assert ids(page(member_client, data, "deals", q="acme")) == ["d-open"]


def test_account_list_filters_by_target_flag(data, member_client):
    assert ids(page(member_client, data, "accounts")) == ["acme", "globex"]
    assert ids(page(member_client, data, "accounts", target="yes")) == ["acme"]
    assert ids(page(member_client, data, "accounts", target="no")) == ["globex"]
    assert ids(page(member_client, data, "accounts", q="globex.ex")) == ["globex"]


def test_lists_paginate_by_25_keeping_the_filters(workspace, member_client):
    for i in range(30):
        AccountFactory(workspace=workspace, external_id=f"acc-{i:02d}", name=f"Company {i:02d}")
    AccountFactory(workspace=workspace, external_id="zzz", name="Zeta", industry="Other")
    first = page(member_client, workspace, "accounts", industry="")
    assert ids(first) == [f"acc-{i:02d}" for i in range(25)]
    assert "Page 1 of 2" in first
    assert 'href="?industry=&amp;page=2"' in first or 'href="?page=2"' in first
    second = page(member_client, workspace, "accounts", page=2)
    assert ids(second) == [*(f"acc-{i:02d}" for i in range(25, 30)), "zzz"]
    assert ids(page(member_client, workspace, "accounts", page=99)) == ids(second)  # past the end: the last page
    filtered = page(member_client, workspace, "accounts", q="Company 1")
    assert len(ids(filtered)) == 10 and "Page 1 of" not in filtered


def test_sort_links_keep_the_filters_and_flip_the_current_column(data, member_client):
    html = page(member_client, data, "deals", status="won", sort="-amount")
    assert 'href="?status=won&amp;sort=amount"' in html
    assert 'href="?status=won&amp;sort=-created"' in html


def test_empty_lists_point_to_import_and_the_api(workspace, member_client, make_user, client_for):
    html = page(member_client, workspace, "leads")
    assert "No leads yet." in html
    assert f"/w/{workspace.slug}/data/import/?resource=leads" in html
    assert "POST /api/v1/leads/" in html
    viewer = client_for(make_user(workspace, role="viewer"))
    html = page(viewer, workspace, "leads")
    assert "/data/import/" not in html and "POST /api/v1/leads/" in html
    assert "No leads match these filters" in page(member_client, workspace, "leads", q="nobody")


def test_data_home_counts_and_recent_imports(data, member_client):
    with workspace_scope(data):
        ImportJob.objects.create(resource="leads", filename="hubspot.csv", status="done", created_count=3)
    html = page(member_client, data, "").replace("\n", " ")
    assert re.search(r'id="count-leads">3<', html)
    assert re.search(r'id="count-deals">2<', html)
    assert "hubspot.csv" in html


# ---------------------------------------------------------------- the target list


def test_bulk_target_flag_goes_through_a_service_that_records_a_data_change(data, member_client):
    with workspace_scope(data):
        globex = Account.objects.get(external_id="globex")
        acme = Account.objects.get(external_id="acme")
        changes = DataChange.objects.count()
    url = f"/w/{data.slug}/data/accounts/"
    response = member_client.post(
        url, {"action": "add", "accounts": [globex.pk, acme.pk], "next": f"{url}?target=no"}, follow=True
    )
    assert response.redirect_chain == [(f"{url}?target=no", 302)]
    assert "1 account added to the target list (1 already on it)." in response.content.decode()
    with workspace_scope(data):
        assert set(Account.objects.filter(is_target=True).values_list("external_id", flat=True)) == {"acme", "globex"}
        new = list(DataChange.objects.order_by("id")[changes:])
    # The ABM KPIs depend on the list at every date: the change covers every date.
    assert [(c.first_day, c.last_day) for c in new] == [(None, None)]

    response = member_client.post(url, {"action": "remove", "accounts": [acme.pk]})
    assert response.status_code == 302
    with workspace_scope(data):
        assert list(Account.objects.filter(is_target=True).values_list("external_id", flat=True)) == ["globex"]
        assert Account.objects.get(pk=acme.pk).name == "Acme"  # the rest of the account is untouched


def test_bulk_target_flag_ignores_other_workspaces_accounts(data, other_workspace, member_client):
    foreign = AccountFactory(workspace=other_workspace, external_id="foreign")
    response = member_client.post(f"/w/{data.slug}/data/accounts/", {"action": "add", "accounts": [foreign.pk]})
    assert response.status_code == 302
    with workspace_scope(other_workspace):
        assert Account.objects.get(pk=foreign.pk).is_target is False


def test_bulk_target_flag_needs_ticked_accounts(data, member_client):
    response = member_client.post(f"/w/{data.slug}/data/accounts/", {"action": "add"}, follow=True)
    assert "Tick accounts first." in response.content.decode()


def test_a_viewer_browses_and_exports_but_cannot_bulk_edit(data, make_user, client_for):
    viewer = client_for(make_user(data, role="viewer"))
    html = page(viewer, data, "accounts")
    assert 'name="accounts"' not in html  # no checkboxes
    assert export(viewer, data, "accounts")
    with workspace_scope(data):
        globex = Account.objects.get(external_id="globex")
    response = viewer.post(f"/w/{data.slug}/data/accounts/", {"action": "add", "accounts": [globex.pk]})
    assert response.status_code == 403
    with workspace_scope(data):
        assert Account.objects.get(pk=globex.pk).is_target is False


def test_another_agency_gets_404_on_every_data_page(data, other_client):
    base = f"/w/{data.slug}/data/"
    for path in ("", "campaigns/", "accounts/", "leads/", "deals/", "import/"):
        assert other_client.get(base + path).status_code == 404, path
        assert other_client.get(base + path, {"export": "csv"}).status_code == 404, path
    with workspace_scope(data):
        globex = Account.objects.get(external_id="globex")
    assert other_client.post(base + "accounts/", {"action": "add", "accounts": [globex.pk]}).status_code == 404


# ---------------------------------------------------------------- CSV export


def test_export_has_the_api_fields_and_the_pages_filters(data, member_client):
    rows = export(member_client, data, "deals", status="won")
    assert rows == [
        {
            "external_id": "d-won",
            "account": "globex",
            "lead": "",
            "source_campaign": "spring",
            "name": "Won deal",
            "amount": "1234.50",
            "mrr": "0.00",
            "status": "won",
            "created_at": "2026-01-05T15:00:00Z",
            "closed_at": "2026-03-10T12:00:00Z",
            "churned_at": "",
        }
    ]
    leads = export(member_client, data, "leads", stage="mql")
    assert [(r["external_id"], r["account"], r["mql_at"], r["sql_at"]) for r in leads] == [
        ("l-mql", "globex", "2026-03-10T12:00:00Z", "")
    ]
    accounts = export(member_client, data, "accounts", target="yes")
    assert [(r["external_id"], r["is_target"]) for r in accounts] == [("acme", "true")]
    campaigns = export(member_client, data, "campaigns", q="ads")
    assert [(r["external_id"], r["channel"], r["is_abm"]) for r in campaigns] == [("ads", "paid_search", "true")]


def test_export_streams_in_chunks_outside_the_request_in_the_page_order(workspace, member_client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    # Ties and nulls on the sort column, across chunk boundaries.
    for i, mql in enumerate([T, None, T, T - timedelta(days=1), None, T, None]):
        LeadFactory(workspace=workspace, external_id=f"l-{i}", created_at=T - timedelta(days=30), mql_at=mql)
    on_page = ids(page(member_client, workspace, "leads", sort="-mql"))
    exported = [r["external_id"] for r in export(member_client, workspace, "leads", sort="-mql")]
    assert exported == on_page
    assert sorted(exported) == [f"l-{i}" for i in range(7)]
    ascending = [r["external_id"] for r in export(member_client, workspace, "leads", sort="mql")]
    assert ascending == ids(page(member_client, workspace, "leads", sort="mql"))


def test_an_export_imports_back_unchanged(data, member_client):
    response = member_client.get(f"/w/{data.slug}/data/accounts/", {"export": "csv"})
    content = b"".join(response.streaming_content)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = member_client.post(
        f"/w/{data.slug}/data/import/",
        {"resource": "accounts", "file": SimpleUploadedFile("accounts.csv", content, "text/csv")},
    )
    assert upload.status_code == 302
    with workspace_scope(data):
        job = ImportJob.objects.get()
    assert job.mapping == ["external_id", "name", "domain", "industry", "employees", "is_target"]
    member_client.post(upload["Location"], {f"col_{i}": name for i, name in enumerate(job.mapping)})
    with workspace_scope(data):
        job.refresh_from_db()
        # Every row equals what is stored: skipped, nothing written.
        assert (job.status, job.created_count, job.updated_count, job.skipped_count) == ("done", 0, 0, 2)
        assert Account.objects.get(external_id="acme").is_target is True
