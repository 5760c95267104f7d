"""Alert rule pages, under /w/<workspace>/alerts/."""

from django.urls import path

from alerts import views

W = "w/<slug:workspace_slug>/alerts/"

urlpatterns = [
    path(W, views.RuleListView.as_view(), name="alerts-list"),
    path(f"{W}new/", views.RuleCreateView.as_view(), name="alerts-create"),
    path(f"{W}<int:rule_id>/", views.RuleDetailView.as_view(), name="alerts-rule"),
    path(f"{W}<int:rule_id>/edit/", views.RuleEditView.as_view(), name="alerts-edit"),
    path(f"{W}<int:rule_id>/delete/", views.RuleDeleteView.as_view(), name="alerts-delete"),
    path(f"{W}<int:rule_id>/secret/", views.RuleSecretView.as_view(), name="alerts-secret"),
]
