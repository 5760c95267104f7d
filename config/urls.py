from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("campaigns.api_urls")),
    path("api/v1/", include("kpis.api_urls")),
    # allauth (SSO, second factor) lives under /accounts/; its own password pages give way to the project's.
    path("accounts/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("accounts/signup/", RedirectView.as_view(pattern_name="signup", query_string=True)),
    path("accounts/password/reset/", RedirectView.as_view(pattern_name="password_reset")),
    path("accounts/password/change/", RedirectView.as_view(pattern_name="password_change")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("campaigns.urls")),
    path("", include("kpis.urls")),
    path("", include("sharing.urls")),
    path("", include("tracking.urls")),
    path("", include("onboarding.urls")),
    path("", include("reports.urls")),
    path("", include("health.urls")),
    path("", include("alerts.urls")),
]

if settings.SERVE_MEDIA:
    from accounts.views import brand_logo_file

    # Only logos (re-encoded PNGs under random names), never anything else under MEDIA_ROOT.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{prefix}brand/(?P<name>[A-Za-z0-9_-]+\.png)$", brand_logo_file, name="brand-logo"))
