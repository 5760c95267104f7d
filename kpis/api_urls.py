from django.urls import path

from kpis import annotations_api, api

urlpatterns = [
    path("kpis/", api.KpisView.as_view(), name="api-kpis"),
    path("kpis/timeseries/", api.TimeseriesView.as_view(), name="api-kpis-timeseries"),
    path("kpis/forecast/", api.ForecastView.as_view(), name="api-kpis-forecast"),
    path("kpis/attribution/", api.AttributionView.as_view(), name="api-kpis-attribution"),
    path("kpis/pages/", api.TopPagesView.as_view(), name="api-kpis-pages"),
    path("kpis/accounts/", api.AccountScoresView.as_view(), name="api-kpis-accounts"),
    path("annotations/", annotations_api.AnnotationListView.as_view(), name="api-annotations"),
    path("annotations/<int:annotation_id>/", annotations_api.AnnotationDetailView.as_view(), name="api-annotation"),
]
