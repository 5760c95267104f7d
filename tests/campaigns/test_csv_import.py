"""CSV import in the browser: upload, preview and mapping, row-numbered errors, all or nothing, the async path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tenancy import workspace_scope
from campaigns import imports
from campaigns.models import Account, DataChange, Deal, ImportJob, Lead
from tests.data_factories import AccountFactory, CampaignFactory


def url(workspace, suffix=""):
    return f"/w/{workspace.slug}/data/import/{suffix}"


def upload(client, workspace, resource: str, content: bytes | str, name="export.csv"):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(url(workspace), {"resource": resource, "file": SimpleUploadedFile(name, raw, "text/csv")})


def uploaded_job(client, workspace, resource, content, name="export.csv") -> ImportJob:
    response = upload(client, workspace, resource, content, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    with workspace_scope(workspace):
        job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert response["Location"] == url(workspace, f"{job.pk}/")
    return job


def confirm(client, workspace, job, date_format="", **mapping):
    """Post the job's mapping (auto-mapped unless overridden by header name) and return the response."""
    data = {"date_format": date_format}
    for index, header in enumerate(job.headers):
        data[f"col_{index}"] = mapping.get(header, job.mapping[index])
    return client.post(url(workspace, f"{job.pk}/"), data)


def refreshed(workspace, job) -> ImportJob:
    with workspace_scope(workspace):
        return ImportJob.objects.get(pk=job.pk)


def count(workspace, model) -> int:
    with workspace_scope(workspace):
        return model.objects.count()


# A CRM's account export as Excel writes it: BOM, Windows line endings, quoted commas and
# quotes, a cell spanning two lines, blank lines (one of them only separators), and a bad row.
ACCOUNTS_EXPORT = (
    "\ufeffRecord ID,Company,Website,Industry,Number of Employees,Target Account\r\n"  # row 1
    'acc-1,"Acme, Inc.",acme.example,Software,"1,200",Yes\r\n'  # row 2
    "\r\n"  # row 3
    'acc-2,"Globex ""International""",globex.example,"Manufacturing\r\nand logistics",250,no\r\n'  # row 4
    ",,,,,\r\n"  # row 5
    "acc-3,Initech,initech.example,Software,about 40,\r\n"  # row 6: bad employees
    "acc-4,,hooli.example,Software,12,x\r\n"  # row 7: no name
)


def test_real_world_file_reports_every_bad_row_by_file_row_and_column_and_writes_nothing(workspace, member_client):
    job = uploaded_job(member_client, workspace, "accounts", ACCOUNTS_EXPORT)
    assert job.headers == ["Record ID", "Company", "Website", "Industry", "Number of Employees", "Target Account"]
    assert job.mapping == ["external_id", "name", "domain", "industry", "employees", "is_target"]
    assert job.total_rows == 4

    page = member_client.get(url(workspace, f"{job.pk}/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme, Inc." in html and "Import 4 rows" in html
    assert "Must be a whole number." in html  # the preview already marks the bad cell

    changes_before = count(workspace, DataChange)
    response = confirm(member_client, workspace, job)
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"], e["field"], e["value"]) for e in job.errors] == [
        (6, "Number of Employees", "employees", "about 40"),
        (7, "Company", "name", ""),
    ]
    assert job.errors[0]["message"] == "Must be a whole number."
    assert job.errors[1]["message"] == "This field is required."
    assert job.error_count == 2
    assert count(workspace, Account) == 0
    assert count(workspace, DataChange) == changes_before

    html = member_client.get(url(workspace, f"{job.pk}/")).content.decode()
    assert "Nothing was imported: 2 problems to fix" in html
    assert "about 40" in html


def test_the_same_file_fixed_imports_every_row_once(workspace, member_client):
    fixed = ACCOUNTS_EXPORT.replace("about 40", "40").replace("acc-4,,", "acc-4,Hooli,")
    job = uploaded_job(member_client, workspace, "accounts", fixed)
    response = confirm(member_client, workspace, job)
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created_count, job.updated_count, job.content) == (4, 0, "")
    with workspace_scope(workspace):
        accounts = {a.external_id: a for a in Account.objects.all()}
    assert accounts["acc-1"].name == "Acme, Inc."
    assert accounts["acc-1"].employees == 1200
    assert accounts["acc-1"].is_target is True
    assert accounts["acc-2"].name == 'Globex "International"'
    assert accounts["acc-2"].industry == "Manufacturing\r\nand logistics"
    assert accounts["acc-3"].is_target is False
    assert accounts["acc-4"].is_target is True  # "x" as in a ticked spreadsheet column
    assert count(workspace, DataChange) == 0  # new accounts have no touchpoints: no KPI date changed
    page = member_client.get(url(workspace, f"{job.pk}/"))
    assert "Imported 4 accounts: 4 new, 0 updated." in page.content.decode()


def test_one_bad_row_among_leads_writes_no_lead(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="spring")
    AccountFactory(workspace=workspace, external_id="acme")
    content = (
        "Lead ID;Email Address;Company ID;Campaign;Created Date\n"
        "l-1;ann@acme.example;acme;spring;2026-04-01 10:00\n"
        "l-2;bob@acme.example;nope;spring;2026-04-02T10:00:00Z\n"
        "l-3;not-an-email;acme;;2026-04-03\n"
        "l-1;ann@acme.example;acme;spring;2026-04-01 10:00\n"
    )
    job = uploaded_job(member_client, workspace, "leads", content)
    assert job.delimiter == ";"
    assert job.mapping == ["external_id", "email", "account", "source_campaign", "created_at"]
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "Company ID"),
        (4, "Email Address"),
        (5, "Lead ID"),
    ]
    assert "Unknown account 'nope'" in job.errors[0]["message"]
    assert job.errors[2]["message"] == "The same lead as row 2: each one may appear once per file."
    assert count(workspace, Lead) == 0


@pytest.fixture
def paris(workspace):
    workspace.time_zone = "Europe/Paris"
    workspace.save()
    return workspace


AMBIGUOUS = "id,email,created\nl-1,a@x.example,03/04/2026 09:30\nl-2,b@x.example,2026-05-01T08:00:00+00:00\n"


def test_an_ambiguous_date_without_a_chosen_format_is_an_error_not_a_guess(paris, member_client):
    job = uploaded_job(member_client, paris, "leads", AMBIGUOUS)
    html = member_client.get(url(paris, f"{job.pk}/")).content.decode()
    assert "could be day/month or month/day" in html  # flagged in the preview
    confirm(member_client, paris, job, date_format="")
    job = refreshed(paris, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(2, "created", "03/04/2026 09:30")]
    assert "Ambiguous date" in job.errors[0]["message"]
    assert count(paris, Lead) == 0


def test_the_preview_can_be_updated_with_a_date_format_without_importing(paris, member_client):
    job = uploaded_job(member_client, paris, "leads", AMBIGUOUS)
    data = {"date_format": "dmy", "preview": "1", **{f"col_{i}": name for i, name in enumerate(job.mapping)}}
    response = member_client.post(url(paris, f"{job.pk}/"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cell-error" not in html and '<option value="dmy" selected>' in html
    job = refreshed(paris, job)
    assert (job.status, job.date_format) == ("draft", "")
    assert count(paris, Lead) == 0


@pytest.mark.parametrize(
    ("date_format", "expected_utc"),
    [
        # 09:30 in Paris (UTC+2 from 29 March 2026, UTC+1 before).
        ("dmy", datetime(2026, 4, 3, 7, 30, tzinfo=UTC)),
        ("mdy", datetime(2026, 3, 4, 8, 30, tzinfo=UTC)),
    ],
)
def test_the_chosen_date_format_decides_day_and_month_in_the_workspace_time_zone(
    paris, member_client, date_format, expected_utc
):
    job = uploaded_job(member_client, paris, "leads", AMBIGUOUS)
    confirm(member_client, paris, job, date_format=date_format)
    job = refreshed(paris, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    with workspace_scope(paris):
        lead = Lead.objects.get(external_id="l-1")
        other = Lead.objects.get(external_id="l-2")
    assert lead.created_at == expected_utc
    assert lead.created_on == expected_utc.astimezone(paris.tz).date()
    assert other.created_at == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)  # ISO with offset whatever the choice


def test_a_date_impossible_in_the_chosen_format_is_an_error(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", "id,created\nl-1,04/13/2026\nl-2,13/04/2026\n")
    confirm(member_client, workspace, job, date_format="dmy")
    job = refreshed(workspace, job)
    assert [(e["row"], e["message"]) for e in job.errors] == [(2, "Not a calendar date.")]


def test_without_a_choice_unambiguous_dates_must_agree_on_their_order(workspace, member_client):
    job = uploaded_job(member_client, workspace, "leads", "id,created\nl-1,04/13/2026\nl-2,13/04/2026\n")
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert [e["row"] for e in job.errors] == [3]
    assert "choose the date format" in job.errors[0]["message"]


def test_deals_with_money_as_exported_and_crm_statuses(workspace, member_client):
    AccountFactory(workspace=workspace, external_id="acme")
    content = (
        "Opportunity ID;Opportunity Name;Account ID;Amount;Stage;Created Date;Close Date\n"
        'o-1;Big one;acme;"$1,234.50";Closed Won;2026-01-05;2026-02-01\n'
        "o-2;Small one;acme;99;Open;2026-01-06;\n"
        "o-3;Euro one;acme;EUR 10;open;2026-01-06;\n"
    )
    job = uploaded_job(member_client, workspace, "deals", content)
    assert job.mapping == ["external_id", "name", "account", "amount", "status", "created_at", "closed_at"]
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "amount")]
    assert "currency is USD" in job.errors[0]["message"]

    fixed = uploaded_job(member_client, workspace, "deals", content.replace("EUR 10", "10.00"))
    confirm(member_client, workspace, fixed)
    assert refreshed(workspace, fixed).status == ImportJob.Status.DONE
    with workspace_scope(workspace):
        big = Deal.objects.get(external_id="o-1")
    assert (big.amount, big.status) == (Decimal("1234.50"), "won")


def test_an_update_keeps_the_fields_the_file_does_not_have(workspace, member_client):
    AccountFactory(workspace=workspace, external_id="acme", name="Acme", is_target=True, industry="Software")
    job = uploaded_job(member_client, workspace, "accounts", "Account ID,Account Name\nacme,Acme Corporation\n")
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert (job.status, job.created_count, job.updated_count) == ("done", 0, 1)
    with workspace_scope(workspace):
        acme = Account.objects.get(external_id="acme")
    assert (acme.name, acme.is_target, acme.industry) == ("Acme Corporation", True, "Software")


def test_the_mapping_can_be_changed_and_must_cover_required_fields(workspace, member_client):
    job = uploaded_job(member_client, workspace, "campaigns", "Code,Title,Type\nc-1,Spring,Paid Search\n")
    assert job.mapping == ["", "name", "channel"]
    response = confirm(member_client, workspace, job)
    assert response.status_code == 400
    assert "Choose a column for external_id (required)." in response.content.decode()
    response = confirm(member_client, workspace, job, Code="external_id", Type="name")
    assert response.status_code == 400
    assert "both fill name" in response.content.decode()
    response = confirm(member_client, workspace, job, Code="external_id")
    assert response.status_code == 302
    job = refreshed(workspace, job)
    assert job.status == "done", job.errors
    assert job.mapping == ["external_id", "name", "channel"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"id,name\r\n\r\n", "no data rows"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_clearly(workspace, member_client, content, message):
    response = upload(member_client, workspace, "accounts", content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert count(workspace, ImportJob) == 0


def test_a_file_over_the_size_limit_is_refused(workspace, member_client, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1024 * 1024)
    response = upload(member_client, workspace, "accounts", "id,name\n" + "a,b\n" * 300_000)
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert count(workspace, ImportJob) == 0


def test_a_windows_1252_file_is_read(workspace, member_client):
    job = uploaded_job(member_client, workspace, "accounts", "id,name\r\na-1,Société Générale\r\n".encode("cp1252"))
    confirm(member_client, workspace, job)
    with workspace_scope(workspace):
        assert Account.objects.get(external_id="a-1").name == "Société Générale"


def test_auto_mapping_knows_the_usual_export_headers():
    assert imports.auto_mapping(
        "leads", ["Contact ID", "Email", "Company ID", "UTM Campaign", "Create Date", "MQL Date", "Notes"]
    ) == ["external_id", "email", "account", "source_campaign", "created_at", "mql_at", ""]
    assert imports.auto_mapping("accounts", ["Company", "company_name"]) == ["name", ""]
    assert imports.auto_mapping("spend", ["Campaign ID", "Day", "Amount Spent (USD)", "Impr.", "Link Clicks"]) == [
        "campaign",
        "date",
        "cost",
        "impressions",
        "clicks",
    ]


def test_a_time_skipped_by_daylight_saving_is_refused(paris, member_client):
    job = uploaded_job(member_client, paris, "leads", "id,created\nl-1,2026-03-29 02:30\n")
    confirm(member_client, paris, job)
    job = refreshed(paris, job)
    assert job.errors[0]["row"] == 2 and "does not exist in Europe/Paris" in job.errors[0]["message"]


# ---------------------------------------------------------------- the async path


def test_a_big_file_goes_through_the_task_with_progress(
    workspace, member_client, django_capture_on_commit_callbacks, monkeypatch
):
    rows = imports.ASYNC_THRESHOLD_ROWS + 100
    content = "Account ID,Company,Target\n" + "".join(
        f"a-{i},Company {i},{'yes' if i % 2 else 'no'}\n" for i in range(rows)
    )
    job = uploaded_job(member_client, workspace, "accounts", content)
    status_url = url(workspace, f"{job.pk}/status/")

    seen = []
    report = imports.progress_reported

    def spy(job, processed):
        report(job, processed)
        seen.append(member_client.get(status_url).json())

    monkeypatch.setattr(imports, "progress_reported", spy)
    queued = []
    from campaigns import tasks

    monkeypatch.setattr(
        tasks.import_csv_task, "delay", lambda *args: queued.append(args) or tasks.import_csv_task(*args)
    )

    with django_capture_on_commit_callbacks() as callbacks:
        response = confirm(member_client, workspace, job)
    assert response.status_code == 302
    # Queued on commit, not run in the request.
    assert queued == [] and seen == []
    assert member_client.get(status_url).json()["status"] == "queued"
    page = member_client.get(url(workspace, f"{job.pk}/")).content.decode()
    assert 'id="import-progress"' in page and "js/import.js" in page

    for callback in callbacks:
        callback()
    assert queued == [(workspace.pk, job.pk)]
    assert [s["processed_rows"] for s in seen] == [0, 1000, 2000, rows]
    assert [s["percent"] for s in seen] == [0, 1000 * 100 // rows, 2000 * 100 // rows, 100]
    assert all(s["status"] == "checking" and not s["finished"] for s in seen)

    final = member_client.get(status_url).json()
    assert final == {
        "status": "done",
        "status_label": "Imported",
        "finished": True,
        "total_rows": rows,
        "processed_rows": rows,
        "percent": 100,
        "created": rows,
        "updated": 0,
        "error_count": 0,
    }
    with workspace_scope(workspace):
        assert Account.objects.count() == rows
        assert Account.objects.filter(is_target=True).count() == rows // 2


def test_a_bad_row_at_the_end_of_a_big_file_writes_nothing(
    workspace, member_client, django_capture_on_commit_callbacks
):
    rows = imports.ASYNC_THRESHOLD_ROWS + 500
    body = "".join(f"a-{i},Company {i}\n" for i in range(rows - 1)) + "a-last,\n"
    job = uploaded_job(member_client, workspace, "accounts", "id,name\n" + body)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(member_client, workspace, job)
    status = member_client.get(url(workspace, f"{job.pk}/status/")).json()
    assert (status["status"], status["error_count"], status["created"]) == ("failed", 1, 0)
    assert refreshed(workspace, job).errors[0]["row"] == rows + 1
    assert count(workspace, Account) == 0


def test_the_task_does_not_import_a_job_twice(workspace, member_client):
    from campaigns.tasks import import_csv_task

    job = uploaded_job(member_client, workspace, "accounts", "id,name\na-1,One\n")
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == "done"
    import_csv_task(workspace.pk, job.pk)  # a redelivery
    assert refreshed(workspace, job).created_count == 1
    assert count(workspace, Account) == 1


# ---------------------------------------------------------------- permissions


def test_a_viewer_cannot_import(workspace, make_user, client_for, member_client):
    job = uploaded_job(member_client, workspace, "accounts", "id,name\na-1,One\n")
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.get(url(workspace)).status_code == 403
    assert upload(viewer, workspace, "accounts", "id,name\na-2,Two\n").status_code == 403
    assert viewer.get(url(workspace, f"{job.pk}/")).status_code == 403
    assert confirm(viewer, workspace, job).status_code == 403
    assert viewer.get(url(workspace, f"{job.pk}/status/")).status_code == 403
    assert count(workspace, Account) == 0
    editor = client_for(make_user(workspace, role="editor"))
    assert confirm(editor, workspace, job).status_code == 302
    assert count(workspace, Account) == 1


def test_another_agency_gets_404_on_the_import_pages(workspace, member_client, other_client):
    job = uploaded_job(member_client, workspace, "accounts", "id,name\na-1,One\n")
    for path in (url(workspace), url(workspace, f"{job.pk}/"), url(workspace, f"{job.pk}/status/")):
        assert other_client.get(path).status_code == 404
    assert confirm(other_client, workspace, job).status_code == 404
    assert refreshed(workspace, job).status == "draft"
