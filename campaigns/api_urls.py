from django.urls import path, register_converter

from campaigns import api


class ExternalIdConverter:
    """Any non-empty text, slashes included (external_ids come from other tools)."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExternalIdConverter, "external_id")


def list_route(endpoints: api.Endpoints) -> str:
    """The URL name of a resource's list: api-campaigns, api-spend."""
    return f"api-{endpoints.resource.name}"


def detail_route(endpoints: api.Endpoints) -> str:
    """The URL name of one object: api-campaign, api-spend-entry."""
    return f"api-{endpoints.resource.singular.lower().replace(' ', '-')}"


# Two routes per resource of the registry (campaigns.resources), in its order.
urlpatterns = [
    route
    for e in api.ENDPOINTS
    for route in (
        path(f"{e.resource.name}/", e.list_view.as_view(), name=list_route(e)),
        path(f"{e.resource.name}/{e.detail_path}", e.detail_view.as_view(), name=detail_route(e)),
    )
]
