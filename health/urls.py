from django.urls import path

from health import views

urlpatterns = [
    path("w/<slug:workspace_slug>/health/", views.HealthView.as_view(), name="health"),
    path("account/digest/", views.DigestSettingsView.as_view(), name="digest-settings"),
]
