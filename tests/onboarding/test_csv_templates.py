"""CSV templates: one per kind of data in the registry, and each example row imports cleanly."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import ImportJob
from campaigns.resources import RESOURCES
from tests.campaigns.test_csv_import import confirm, refreshed, uploaded_job

pytestmark = pytest.mark.django_db


def download(client, workspace, name: str):
    return client.get(f"/w/{workspace.slug}/data/templates/{name}.csv")


@pytest.mark.parametrize("name", list(RESOURCES))
def test_a_template_holds_the_api_field_names_and_one_example(workspace, member_client, fixed_clock, name):
    response = download(member_client, workspace, name)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{name}-template.csv"' in response["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [spec.name for spec in RESOURCES[name].fields]
    required = [i for i, spec in enumerate(RESOURCES[name].fields) if spec.required]
    assert all(example[i] for i in required)


def test_every_template_imports_cleanly_in_the_registrys_order(workspace, member_client, fixed_clock):
    for name in RESOURCES:
        text = download(member_client, workspace, name).content.decode()
        job = uploaded_job(member_client, workspace, name, text, name=f"{name}-template.csv")
        # Every column is recognised: the header is the API's field names.
        assert job.mapping == [spec.name for spec in RESOURCES[name].fields]
        response = confirm(member_client, workspace, job)
        assert response.status_code == 302, response.content.decode()[:2000]
        job = refreshed(workspace, job)
        assert job.status == ImportJob.Status.DONE, (name, job.errors)
        assert job.created_count == 1, name
    with workspace_scope(workspace):
        for name, resource in RESOURCES.items():
            assert resource.write.model.objects.count() == 1, name


def test_the_example_day_is_yesterday_in_the_workspaces_time_zone(workspace, member_client, fixed_clock):
    # fixed_clock: 2026-12-02 15:00 UTC; the test workspace counts its days in UTC.
    _header, example = list(csv.reader(io.StringIO(download(member_client, workspace, "spend").content.decode())))
    assert "2026-12-01" in example


def test_an_unknown_kind_of_data_is_a_404(workspace, member_client):
    assert download(member_client, workspace, "invoices").status_code == 404


def test_a_viewer_may_download_templates(workspace, make_user, client_for):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert download(viewer, workspace, "campaigns").status_code == 200


def test_the_import_page_links_every_template(workspace, member_client):
    html = member_client.get(f"/w/{workspace.slug}/data/import/").content.decode()
    for name in RESOURCES:
        assert f"/w/{workspace.slug}/data/templates/{name}.csv" in html
