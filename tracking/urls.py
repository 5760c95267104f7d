"""The snippet's endpoints (no workspace in the URL: the site key names it) and the admin's pages."""

from django.urls import path

from tracking import views

W = "w/<slug:workspace_slug>/"

urlpatterns = [
    path("t.js", views.tracking_script, name="tracking-script"),
    path("t/collect", views.collect, name="tracking-collect"),
    path(f"{W}web/sites/", views.SiteKeysView.as_view(), name="tracking-sites"),
    path(f"{W}web/sites/<int:site_id>/", views.SiteKeyEditView.as_view(), name="tracking-site-edit"),
    path(f"{W}web/sites/<int:site_id>/revoke/", views.SiteKeyRevokeView.as_view(), name="tracking-site-revoke"),
    path(f"{W}web/campaign-values/", views.CampaignValueMapView.as_view(), name="tracking-campaign-value-map"),
    path(f"{W}web/traffic/", views.TrafficView.as_view(), name="tracking-traffic"),
]
