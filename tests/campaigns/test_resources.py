"""The resource registry (campaigns.resources): one entry per kind of data carries every part of it,
and the API routes, the import form and the data page are built from it, so adding a kind of data
(e.g. an aggregate stat with the contract of spend) is one entry, not an edit in every layer."""

from __future__ import annotations

import dataclasses

import pytest
from django.db.models import QuerySet
from django.urls import URLPattern
from rest_framework import serializers as drf_serializers

from accounts.tenancy import workspace_scope
from campaigns import api, api_urls, forms, services
from campaigns.resources import RESOURCES
from sampledata.sinks.api import API_ORDER


@pytest.mark.parametrize("name", list(RESOURCES))
def test_every_entry_has_every_part(name, workspace):
    resource = RESOURCES[name]
    assert resource.name == name == resource.write.name
    assert isinstance(resource.write, services.Resource)
    for text in (resource.label, resource.title, resource.singular, resource.key_help):
        assert isinstance(text, str) and text.strip()
    assert resource.write.key and resource.write.key_fields
    field_names = [spec.name for spec in resource.fields]
    # The API's documented input is exactly what the row spec takes; the output is the model's.
    assert issubclass(resource.input_serializer, drf_serializers.Serializer)
    assert list(resource.input_serializer().fields) == field_names
    assert resource.output_serializer.Meta.model is resource.write.model
    assert resource.filterset._meta.model is resource.write.model
    # Every CSV synonym names a real field, and no field is left without a way to be auto-mapped.
    assert set(resource.synonyms) <= set(field_names)
    assert all(isinstance(s, tuple) and s for s in resource.synonyms.values())
    with workspace_scope(workspace):
        rows = resource.list_query()
        assert isinstance(rows, QuerySet) and rows.model is resource.write.model
        assert resource.upsert(workspace=workspace, items=[]).as_dict() == {"created": 0, "updated": 0}


def test_labels_and_singulars_are_unique():
    assert len({r.label for r in RESOURCES.values()}) == len(RESOURCES)
    assert len({r.singular for r in RESOURCES.values()}) == len(RESOURCES)


def _api_routes() -> dict[str, str]:
    return {p.name: str(p.pattern) for p in api_urls.urlpatterns if isinstance(p, URLPattern)}


def test_api_routes_are_the_registry():
    routes = _api_routes()
    lists = {name.removeprefix("api-") for name, pattern in routes.items() if pattern.count("/") == 1}
    assert lists == set(RESOURCES)
    assert len(routes) == 2 * len(RESOURCES)
    for endpoints in api.ENDPOINTS:
        assert endpoints.list_view.resource is endpoints.resource is endpoints.detail_view.resource
        assert routes[api_urls.detail_route(endpoints)] == f"{endpoints.resource.name}/{endpoints.detail_path}"


def test_a_new_entry_gets_its_api_endpoints():
    """A per-campaign, per-day stat with spend's contract: an entry is all its API needs."""
    stat = dataclasses.replace(
        RESOURCES["spend"], write=dataclasses.replace(services.SPEND, name="emailstats"), singular="email stat"
    )
    endpoints = api.endpoints(stat)
    assert endpoints.detail_path == "<external_id:campaign>/<str:date>/"
    assert endpoints.list_view.resource is stat and endpoints.list_view.filterset_class is stat.filterset
    assert issubclass(endpoints.detail_view, api.CampaignDayDetailView)


def test_an_entry_whose_key_has_no_address_is_refused():
    odd = dataclasses.replace(RESOURCES["deals"], write=dataclasses.replace(services.DEALS, key=("name",)))
    with pytest.raises(Exception, match="No API address"):
        api.endpoints(odd)


def test_the_import_form_offers_the_registry():
    assert forms.UploadForm().fields["resource"].choices == [(r.name, r.label) for r in RESOURCES.values()]


def test_the_data_page_counts_every_resource(member_client, workspace):
    response = member_client.get(f"/w/{workspace.slug}/data/")
    assert response.status_code == 200
    sections = response.context["sections"]
    assert {key for key, *_ in sections} == set(RESOURCES)
    for key, title, count, url_name in sections:
        assert (title, count, url_name) == (RESOURCES[key].title, 0, RESOURCES[key].browse_url)
    # The resources with a list page come first.
    browsable = [url_name is not None for *_, url_name in sections]
    assert browsable == sorted(browsable, reverse=True)


def test_the_sample_data_api_sink_names_every_resource():
    """The generator's tables are posted to /api/v1/<table>/: they are the registry's names.

    The daily aggregate stats are not generated (the sample data is event-level).
    """
    stats = {"email-stats", "web-stats", "social-stats", "seo-stats"}
    assert sorted(API_ORDER) == sorted(set(RESOURCES) - stats)
