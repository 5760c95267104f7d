"""Dashboard pages and their chart data, under /w/<workspace>/."""

from django.urls import path

from kpis import charts, views
from kpis.views.layout_editor import AgencyLayoutView, WorkspaceLayoutView

W = "w/<slug:workspace_slug>/"

urlpatterns = [
    # The home page (the agency overview) and a workspace's home (its dashboard) are KPI pages.
    path("", views.AgencyOverviewView.as_view(), name="home"),
    path(W, views.WorkspaceDashboardView.as_view(), name="workspace-home"),
    path(f"{W}layout/", WorkspaceLayoutView.as_view(), name="kpis-layout"),
    path("agency/<slug:agency_slug>/layout/", AgencyLayoutView.as_view(), name="agency-layout"),
    path(f"{W}report/", views.ReportView.as_view(), name="kpis-report"),
    path(f"{W}campaigns/", views.CampaignListView.as_view(), name="kpis-campaigns"),
    path(f"{W}campaigns/<path:campaign_external_id>/", views.CampaignDetailView.as_view(), name="kpis-campaign"),
    path(f"{W}abm/", views.AbmView.as_view(), name="kpis-abm"),
    path(f"{W}attribution/", views.AttributionView.as_view(), name="kpis-attribution"),
    path(f"{W}web/", views.WebView.as_view(), name="kpis-web"),
    path(f"{W}targets/", views.TargetsView.as_view(), name="kpis-targets"),
    path(f"{W}targets/<int:target_id>/delete/", views.TargetDeleteView.as_view(), name="kpis-target-delete"),
    path(f"{W}annotations/", views.AnnotationsView.as_view(), name="kpis-annotations"),
    path(f"{W}annotations/<int:annotation_id>/", views.AnnotationEditView.as_view(), name="kpis-annotation"),
    path(
        f"{W}annotations/<int:annotation_id>/delete/",
        views.AnnotationDeleteView.as_view(),
        name="kpis-annotation-delete",
    ),
    path(f"{W}records/leads/", views.LeadRecordsView.as_view(), name="kpis-records-leads"),
    path(f"{W}records/deals/", views.DealRecordsView.as_view(), name="kpis-records-deals"),
    path(f"{W}records/spend/", views.SpendRecordsView.as_view(), name="kpis-records-spend"),
    path(f"{W}records/touchpoints/", views.TouchpointRecordsView.as_view(), name="kpis-records-touchpoints"),
    path(f"{W}records/customers/", views.CustomerRecordsView.as_view(), name="kpis-records-customers"),
    *(path(f"{W}charts/{name}/", view.as_view(), name=f"kpis-chart-{name}") for name, view in charts.CHARTS.items()),
]
