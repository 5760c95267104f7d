"""CSV import under attack: cells built to make the parsers backtrack, overflow or blow up never stall or break a page.

Each test uploads the file as the attack did, then times the import page and the
commit: every request must take under a second of CPU (generous) and the bad cell
must get its own clear error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from accounts.tenancy import workspace_scope
from campaigns import imports
from campaigns.models import Account, ImportJob, Lead, SpendEntry, Touchpoint
from tests.app_role import (
    APP_ROLE_DB,
    as_role,
)
from tests.campaigns.test_csv_import import confirm, count, refreshed, upload, uploaded_job, url
from tests.data_factories import CampaignFactory

BOUND = 1.0  # seconds per request


def timed(call: Callable[[], Any]) -> Any:
    """The call's result; it must take under BOUND seconds of this process's CPU time.

    CPU time, not wall time: backtracking burns CPU, while waiting for a core the
    other processes of a shared machine hold does not make a request slow.
    """
    started = time.process_time()
    result = call()
    elapsed = time.process_time() - started
    assert elapsed < BOUND, f"took {elapsed:.2f} s"
    return result


@pytest.fixture(autouse=True)
def warmed_up(workspace, member_client):
    """One untimed request first: the process's first one loads templates and URLs."""
    assert member_client.get(url(workspace)).status_code == 200


def page(client, workspace, job) -> str:
    response = timed(lambda: client.get(url(workspace, f"{job.pk}/")))
    assert response.status_code == 200
    return response.content.decode()


def committed(client, workspace, job) -> ImportJob:
    """Import with the auto-mapping; the import fails on the bad cell and the page still renders."""
    response = timed(lambda: confirm(client, workspace, job))
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    page(client, workspace, job)
    return job


def only_error(job: ImportJob) -> dict[str, Any]:
    assert job.error_count == 1, job.errors
    return job.errors[0]


# ---------------------------------------------------------------- regex backtracking


def test_a_cost_cell_of_spaces_does_not_stall_the_import_page(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    content = "campaign,date,cost\nc-1,2026-01-01,-" + " " * 1600 + "x\n"
    job = timed(lambda: uploaded_job(member_client, workspace, "spend", content))
    html = page(member_client, workspace, job)
    assert "Not an amount" in html
    error = only_error(committed(member_client, workspace, job))
    assert (error["row"], error["field"]) == (2, "cost")
    assert "Not an amount" in error["message"]
    assert count(workspace, SpendEntry) == 0


def test_a_date_followed_by_100k_spaces_does_not_stall_the_import_page(workspace, member_client):
    content = "id,created_at\nl-1,2026-01-01" + " " * 100_000 + "x\n"
    job = timed(lambda: uploaded_job(member_client, workspace, "leads", content))
    html = page(member_client, workspace, job)
    assert "cell-error" in html
    error = only_error(committed(member_client, workspace, job))
    assert (error["row"], error["field"]) == (2, "created_at")
    assert len(error["value"]) <= 80
    assert count(workspace, Lead) == 0


def test_a_header_of_open_brackets_does_not_stall_the_upload(workspace, member_client):
    content = "id,name," + "(" * 100_000 + "\na-1,Acme,x\n"
    response = timed(lambda: upload(member_client, workspace, "accounts", content))
    assert response.status_code == 400
    assert "column names" in response.content.decode()
    assert count(workspace, ImportJob) == 0


def test_the_import_page_reads_the_preview_stored_at_upload(workspace, member_client, monkeypatch):
    job = uploaded_job(member_client, workspace, "accounts", "id,name,employees\na-1,Acme,about 40\n")

    def no_parsing(*args, **kwargs):
        raise AssertionError("the page parsed the file again")

    monkeypatch.setattr(imports.Plan, "convert", no_parsing)
    monkeypatch.setattr(imports, "records", no_parsing)
    for _ in range(2):
        html = page(member_client, workspace, job)
        assert "Acme" in html and "Must be a whole number." in html


def test_a_changed_mapping_stores_a_new_preview(workspace, member_client):
    job = uploaded_job(member_client, workspace, "campaigns", "Code,Title,Type\nc-1,Spring,Carrier pigeon\n")
    assert job.preview["key"]["mapping"] == ["", "name", "channel"]
    html = page(member_client, workspace, job)
    unmapped = "Campaign type “Carrier pigeon” is not mapped"  # a campaign type no mapping knows
    assert unmapped in html
    confirm(member_client, workspace, job, Code="external_id")
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED  # a carrier pigeon is no channel
    assert unmapped in page(member_client, workspace, job)
    assert refreshed(workspace, job).preview["key"]["mapping"] == ["external_id", "name", "channel"]


# ---------------------------------------------------------------- one bad cell, no 500


@pytest.mark.parametrize(
    ("resource", "header", "field_name"),
    [
        ("accounts", "id,name,employees\na-1,Acme,", "employees"),
        ("spend", "campaign,date,cost,impressions\nc-1,2026-01-01,10,", "impressions"),
    ],
)
@pytest.mark.parametrize(
    ("digits", "message"),
    [
        (5000, "Too long: at most 2,000 characters in a cell."),  # beyond int()'s 4,300 digits: a ValueError
        (1999, "Too large: at most 19 digits."),
        (20, "Too large: at most 19 digits."),
    ],
)
def test_a_count_of_thousands_of_digits_is_a_cell_error(
    workspace, member_client, resource, header, field_name, digits, message
):
    CampaignFactory(workspace=workspace, external_id="c-1")
    job = uploaded_job(member_client, workspace, resource, header + "9" * digits + "\n")
    assert message in page(member_client, workspace, job)
    error = only_error(committed(member_client, workspace, job))
    assert (error["row"], error["field"], error["message"]) == (2, field_name, message)
    assert count(workspace, Account) == count(workspace, SpendEntry) == 0


@pytest.mark.parametrize(
    ("time_zone", "cell"),
    [
        ("Europe/Berlin", "0001-01-01 00:30"),  # UTC is the day before year 1
        ("America/New_York", "9999-12-31 23:00"),  # UTC is the day after year 9999
        ("UTC", "0001-01-01"),
    ],
)
def test_a_timestamp_beyond_the_calendar_in_the_workspace_zone_is_a_cell_error(
    workspace, member_client, time_zone, cell
):
    workspace.time_zone = time_zone
    workspace.save()
    job = uploaded_job(member_client, workspace, "leads", f"id,created_at\nl-1,{cell}\n")
    assert "The year must be between" in page(member_client, workspace, job)
    error = only_error(committed(member_client, workspace, job))
    assert (error["row"], error["field"], error["value"]) == (2, "created_at", cell)
    assert error["message"] == "The year must be between 1901 and 2998."
    assert count(workspace, Lead) == 0


def test_a_date_beyond_the_calendar_is_a_cell_error(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="c-1")
    job = uploaded_job(member_client, workspace, "spend", "campaign,date,cost\nc-1,0001-01-01,1\nc-1,9999-12-31,1\n")
    page(member_client, workspace, job)
    job = committed(member_client, workspace, job)
    assert [(e["row"], e["message"]) for e in job.errors] == [
        (2, "The year must be between 1900 and 2999."),
        (3, "The year must be between 1900 and 2999."),
    ]


def test_a_cell_over_the_length_limit_is_refused_before_parsing(workspace, member_client):
    long_url = "https://example.com/" + "a" * imports.MAX_CELL_CHARS
    job = uploaded_job(
        member_client, workspace, "touchpoints", f"kind,occurred_at,url\npage_view,2026-01-01,{long_url}\n"
    )
    assert "Too long" in page(member_client, workspace, job)
    error = only_error(committed(member_client, workspace, job))
    assert (error["row"], error["field"]) == (2, "url")
    assert error["message"] == f"Too long: at most {imports.MAX_CELL_CHARS:,} characters in a cell."


def test_a_url_at_the_length_limit_is_imported(workspace, member_client):
    longest = "https://example.com/" + "a" * (2000 - len("https://example.com/"))
    job = uploaded_job(
        member_client, workspace, "touchpoints", f"kind,occurred_at,url\npage_view,2026-01-01,{longest}\n"
    )
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    with workspace_scope(workspace):
        assert Touchpoint.objects.get().url == longest


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row-level security exists only on PostgreSQL (DATABASE_URL=postgres://…)",
)
@APP_ROLE_DB
def test_a_stale_preview_is_rebuilt_and_stored_under_row_level_security(app_role, workspace, member_client):
    job = uploaded_job(member_client, workspace, "accounts", "id,name,employees\na-1,Acme,about 40\n")
    with workspace_scope(workspace):
        ImportJob.objects.filter(pk=job.pk).update(preview={})  # as a job uploaded before previews were stored
    with as_role(app_role):
        assert "Must be a whole number." in page(member_client, workspace, job)
    assert refreshed(workspace, job).preview["rows"][0][1][2]["error"] == "Must be a whole number."


def test_a_preview_asked_with_an_unknown_date_format_is_a_form_error(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", "id,created_at\nl-1,not a date\n")
    data = {"date_format": "zzz", "preview": "1", **{f"col_{i}": name for i, name in enumerate(job.mapping)}}
    response = timed(lambda: member_client.post(url(workspace, f"{job.pk}/"), data))
    assert response.status_code == 400
    assert "Not a date and time" in response.content.decode()  # the preview still marks the bad cell
