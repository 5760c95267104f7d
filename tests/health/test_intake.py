"""The daily intake counts: one row per source × resource × local day, from the API, the CSV import and the collector."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from accounts.models import ApiKey
from accounts.tenancy import workspace_scope
from campaigns.models import IntakeDay
from tests.campaigns.test_csv_import import confirm, refreshed, uploaded_job

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def counts(workspace):
    with workspace_scope(workspace):
        return {
            (r.source_kind, r.source_id, r.resource, r.day): (r.received, r.rejected) for r in IntakeDay.objects.all()
        }


@pytest.mark.django_db
def test_api_batches_add_up_per_key_resource_and_local_day(workspace, api_client):
    workspace.time_zone = "America/New_York"  # 02:00 UTC on the 21st is still the 20th there
    workspace.save()
    key_id = str(ApiKey.objects.unscoped().get(workspace=workspace).pk)
    campaigns = [{"external_id": f"c{i}", "name": f"C{i}", "channel": "email"} for i in range(3)]
    with time_machine.travel(NOON, tick=False):
        assert api_client.post("/api/v1/campaigns/", campaigns, format="json").status_code == 200
    with time_machine.travel(datetime(2026, 11, 21, 2, 0, tzinfo=UTC), tick=False):
        assert api_client.post("/api/v1/campaigns/", campaigns[:2], format="json").status_code == 200
        # A batch with one bad row of three: refused whole, its one bad row counted rejected, nothing received.
        bad = [*campaigns[:2], {"external_id": "c9", "name": "", "channel": "email"}]
        assert api_client.post("/api/v1/campaigns/", bad, format="json").status_code == 400
        spend = [{"campaign": "c0", "date": "2026-11-19", "cost": "10.00"}]
        assert api_client.post("/api/v1/spend/", spend, format="json").status_code == 200
    assert counts(workspace) == {
        ("api_key", key_id, "campaigns", date(2026, 11, 20)): (3 + 2, 1),
        ("api_key", key_id, "spend", date(2026, 11, 20)): (1, 0),
    }


@pytest.mark.django_db
def test_a_batch_wide_refusal_rejects_every_row(workspace, api_client):
    too_many = [{"external_id": f"c{i}", "name": "x", "channel": "email"} for i in range(1001)]
    assert api_client.post("/api/v1/campaigns/", too_many, format="json").status_code == 400
    assert [v for v in counts(workspace).values()] == [(0, 1001)]


@pytest.mark.django_db
def test_an_import_counts_its_rows_and_a_failed_one_its_invalid_rows(workspace, member_client):
    good = "Record ID,Company\r\nacc-1,Acme\r\nacc-2,Globex\r\n"
    job = uploaded_job(member_client, workspace, "accounts", good)
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == "done"
    # Rows 3 and 4 lack the name (two invalid rows, one of them with two problems counts once).
    bad = "Record ID,Company,Number of Employees\r\nacc-3,Initech,5\r\nacc-4,,x\r\nacc-5,,7\r\n"
    job = uploaded_job(member_client, workspace, "accounts", bad)
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == "failed"
    [(key, value)] = counts(workspace).items()
    assert key[:3] == ("import", "", "accounts")
    assert value == (2, 2)


@pytest.mark.django_db
def test_a_tracked_page_view_counts_for_its_site_key(workspace, site_key, send):
    from tests.tracking.conftest import ORIGIN

    assert send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/"}).status_code == 202
    assert send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/pricing"}).status_code == 202
    assert [(k[:3], v) for k, v in counts(workspace).items()] == [
        (("tracking", str(site_key.pk), "touchpoints"), (2, 0))
    ]


@pytest.mark.django_db
def test_a_refused_event_counts_as_rejected_for_its_site_key(workspace, site_key, send):
    from tests.tracking.conftest import ORIGIN

    assert send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/"}).status_code == 202
    assert send(site_key.token, {"e": "teleport", "u": f"{ORIGIN}/"}).status_code == 400
    assert send(site_key.token, {"e": "pageview"}).status_code == 400
    assert [(k[:3], v) for k, v in counts(workspace).items()] == [
        (("tracking", str(site_key.pk), "touchpoints"), (1, 2))
    ]
