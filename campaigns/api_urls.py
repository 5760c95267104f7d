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

urlpatterns = [
    path("campaigns/", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/<external_id:external_id>/", api.CampaignDetailView.as_view(), name="api-campaign"),
    path("spend/", api.SpendListView.as_view(), name="api-spend"),
    path("spend/<external_id:campaign>/<str:date>/", api.SpendDetailView.as_view(), name="api-spend-entry"),
    path("accounts/", api.AccountListView.as_view(), name="api-accounts"),
    path("accounts/<external_id:external_id>/", api.AccountDetailView.as_view(), name="api-account"),
    path("leads/", api.LeadListView.as_view(), name="api-leads"),
    path("leads/<external_id:external_id>/", api.LeadDetailView.as_view(), name="api-lead"),
    path("deals/", api.DealListView.as_view(), name="api-deals"),
    path("deals/<external_id:external_id>/", api.DealDetailView.as_view(), name="api-deal"),
    path("touchpoints/", api.TouchpointListView.as_view(), name="api-touchpoints"),
    path("touchpoints/<external_id:external_id>/", api.TouchpointDetailView.as_view(), name="api-touchpoint"),
]
