"""Dashboard pages: the agency overview, the workspace dashboard, campaign, ABM,
attribution, targets, drill-down record lists and the printable report.

Every number comes from `kpis.selectors`, the same reads the KPI API serves;
these views only choose the period and scope, and shape the answer. Each
table exports as CSV with `?export=<table>`.

One module per page family (`overview`, `dashboard`, `campaigns`, `records`,
`abm`, `attribution`, `targets`, `web`), sharing the state in the URL (`state`), the
KPI cards (`cards`) and the CSV helpers (`exports`). The names URL confs,
charts and tests import are re-exported here.
"""

from kpis.views.abm import AbmView
from kpis.views.annotations import AnnotationDeleteView, AnnotationEditView, AnnotationsView
from kpis.views.attribution import MODEL_LABELS, AttributionView
from kpis.views.campaigns import CampaignDetailView, CampaignListView
from kpis.views.dashboard import ReportView, WorkspaceDashboardView
from kpis.views.exports import csv_response, export_name
from kpis.views.overview import AgencyOverviewView
from kpis.views.records import (
    CustomerRecordsView,
    DealRecordsView,
    LeadRecordsView,
    SpendRecordsView,
    TouchpointRecordsView,
)
from kpis.views.state import DashboardState
from kpis.views.targets import TargetDeleteView, TargetsView
from kpis.views.web import WebView

__all__ = [
    "MODEL_LABELS",
    "AbmView",
    "AgencyOverviewView",
    "AnnotationDeleteView",
    "AnnotationEditView",
    "AnnotationsView",
    "AttributionView",
    "CampaignDetailView",
    "CampaignListView",
    "CustomerRecordsView",
    "DashboardState",
    "DealRecordsView",
    "LeadRecordsView",
    "ReportView",
    "SpendRecordsView",
    "TargetDeleteView",
    "TargetsView",
    "TouchpointRecordsView",
    "WebView",
    "WorkspaceDashboardView",
    "csv_response",
    "export_name",
]
