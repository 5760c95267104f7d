"""The admins' share-link pages under /w/<slug>/share-links/, and the shared pages under /s/<token>/."""

from django.urls import path

from sharing import pages, views

W = "w/<slug:workspace_slug>/"

urlpatterns = [
    path(f"{W}share-links/", views.ShareLinksView.as_view(), name="share-links"),
    path(f"{W}share-links/<int:link_id>/revoke/", views.ShareLinkRevokeView.as_view(), name="share-link-revoke"),
    path("s/<str:token>/", pages.shared_page, name="shared-page"),
    path("s/<str:token>/charts/<slug:chart>/", pages.shared_chart, name="shared-chart"),
]
