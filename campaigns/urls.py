"""Data pages under /w/<workspace>/data/: lists, exports, CSV import."""

from django.urls import path

from campaigns import views

D = "w/<slug:workspace_slug>/data/"

urlpatterns = [
    path(D, views.DataHomeView.as_view(), name="data-home"),
    path(f"{D}campaigns/", views.CampaignListView.as_view(), name="data-campaigns"),
    path(f"{D}accounts/", views.AccountListView.as_view(), name="data-accounts"),
    path(f"{D}leads/", views.LeadListView.as_view(), name="data-leads"),
    path(f"{D}deals/", views.DealListView.as_view(), name="data-deals"),
    path(f"{D}import/", views.ImportUploadView.as_view(), name="data-import"),
    path(f"{D}import/<int:job_id>/", views.ImportJobView.as_view(), name="data-import-job"),
    path(f"{D}import/<int:job_id>/status/", views.ImportStatusView.as_view(), name="data-import-status"),
    path(f"{D}import/<int:job_id>/undo/", views.ImportUndoView.as_view(), name="data-import-undo"),
    path(f"{D}import/mappings/", views.ImportMappingsView.as_view(), name="data-import-mappings"),
]
