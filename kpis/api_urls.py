from django.urls import path

from kpis import api

urlpatterns = [
    path("kpis/", api.KpisView.as_view(), name="api-kpis"),
    path("kpis/timeseries/", api.TimeseriesView.as_view(), name="api-kpis-timeseries"),
    path("kpis/attribution/", api.AttributionView.as_view(), name="api-kpis-attribution"),
    path("kpis/pages/", api.TopPagesView.as_view(), name="api-kpis-pages"),
    path("kpis/accounts/", api.AccountScoresView.as_view(), name="api-kpis-accounts"),
]
