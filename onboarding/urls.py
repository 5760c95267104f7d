"""The guided start's pages, under /w/<workspace>/."""

from django.urls import path

from onboarding import views

W = "w/<slug:workspace_slug>/"

urlpatterns = [
    path(f"{W}start/", views.StartView.as_view(), name="onboarding-start"),
    path(f"{W}start/checklist/", views.ChecklistDismissView.as_view(), name="onboarding-checklist"),
    path(f"{W}start/sample-data/load/", views.SampleDataLoadView.as_view(), name="onboarding-sample-load"),
    path(f"{W}start/sample-data/remove/", views.SampleDataRemoveView.as_view(), name="onboarding-sample-remove"),
    path(f"{W}data/templates/<slug:resource>.csv", views.CsvTemplateView.as_view(), name="onboarding-csv-template"),
    path(f"{W}integrations/", views.IntegrationsView.as_view(), name="onboarding-integrations"),
]
