"""The shared pages, /s/<token>/: a workspace page for whoever holds the token, and nothing more.

The token is the credential: it names the link, the link names the workspace, which is in scope for
this request only (the same `dispatch_in_workspace` as a member's page, with a viewer's rights). The
pages are the workspace's own views (dashboard, campaign, report) with:

- the link's range and scope, whatever the query string says (it never reaches the view);
- no navigation, no links into the app, no drill-down to records; a campaign's leads and deals only
  when the link allows personal data;
- `noindex`, no caching, a stricter Content-Security-Policy;
- a request budget per link, and a password form throttled per link and client address.

An unknown, revoked or expired token is the same 404.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.http import HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render

from accounts.branding import PRODUCT_BRAND, brand_for_workspace
from accounts.models import WorkspaceRole
from accounts.network import client_address
from kpis import charts, periods
from kpis.views import CampaignDetailView, ReportView, WorkspaceDashboardView
from kpis.views.dashboard import PANEL_CHARTS
from kpis.views.state import DashboardState, local_today
from sharing import guards, services
from sharing.models import ShareLink, ShareTarget

# Stricter than the site's: nothing but this origin's scripts, styles and chart data; no framing; forms
# post only here; no <base> to re-point relative URLs.
SHARED_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

DASHBOARD_CHARTS = frozenset({"spend-leads", "channels", *(chart.name for chart in PANEL_CHARTS.values())})
# A campaign's page: only charts narrowed to the campaign (never a workspace-wide one).
CAMPAIGN_CHARTS = frozenset({"spend-leads", "cost-trend"})
CHARTS_OF = {ShareTarget.DASHBOARD: DASHBOARD_CHARTS, ShareTarget.REPORT: DASHBOARD_CHARTS,
             ShareTarget.CAMPAIGN: CAMPAIGN_CHARTS}  # fmt: skip


def link_state(link: ShareLink) -> DashboardState:
    """The link's period today in the workspace's zone (a rolling range moves), and its campaign."""
    period = link.period_on(local_today(link.workspace))
    state = DashboardState("custom", period, periods.default_grain(period))
    if link.target == ShareTarget.CAMPAIGN:
        state.campaign = link.campaign
    return state


class SharedScopeMixin:
    """Put before a workspace view: the link, not a signed-in user, opens the workspace."""

    drill = False  # cards never link to record lists, which are pages of the app
    # The query parameters that reach the view: none that could widen what the link shows.
    kept_parameters: tuple[str, ...] = ()

    def dispatch(self, request, *args, link: ShareLink, token: str, **kwargs):
        self.share, self.share_token = link, token
        self.workspace, self.role = link.workspace, WorkspaceRole.VIEWER
        # The link fixes range and scope: no range, campaign, channel or export parameter gets through.
        kept = QueryDict(mutable=True)
        for name in self.kept_parameters:
            if name in request.GET:
                kept[name] = request.GET[name]
        request.GET = kept
        return self.dispatch_in_workspace(request, *args, **kwargs)

    def dispatch_state(self) -> DashboardState:
        self.state = link_state(self.share)
        return self.state

    def read_state(self, request) -> DashboardState:
        return link_state(self.share)


class SharedPageMixin(SharedScopeMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            shared=True,
            share=self.share,
            share_token=self.share_token,
            base_template="sharing/base.html",
            brand=brand_for_workspace(self.workspace),
            can={},  # a viewer of the page, with no right in the app
        )
        return context


class SharedDashboardView(SharedPageMixin, WorkspaceDashboardView):
    pass


class SharedReportView(SharedPageMixin, ReportView):
    pass


class SharedCampaignView(SharedPageMixin, CampaignDetailView):
    kept_parameters = ("spend_page", "leads_page", "deals_page")

    def dispatch(self, request, *args, link: ShareLink, token: str, **kwargs):
        return super().dispatch(request, *args, link=link, token=token, campaign_external_id=link.campaign.external_id)

    def leads(self):
        leads = super().leads()
        return leads if self.share.allow_personal_data else leads.none()

    def deals(self):
        deals = super().deals()
        return deals if self.share.allow_personal_data else deals.none()


PAGE_VIEWS = {
    ShareTarget.DASHBOARD: SharedDashboardView.as_view(),
    ShareTarget.REPORT: SharedReportView.as_view(),
    ShareTarget.CAMPAIGN: SharedCampaignView.as_view(),
}
CHART_VIEWS = {
    name: type(f"Shared{view.__name__}", (SharedScopeMixin, view), {"kept_parameters": ("format",)}).as_view()
    for name, view in charts.CHARTS.items()
}


class PasswordForm(forms.Form):
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True})
    )


def shared_response(response: HttpResponse) -> HttpResponse:
    """The headers of every answer under /s/: not indexed, not cached, the strict CSP.

    The site's Referrer-Policy (same-origin) stays: the token's URL goes to no other origin, and
    "no-referrer" would make browsers send `Origin: null` with the password form, which CSRF refuses.
    """
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    response._csp_config = SHARED_CSP
    return response


def _not_found(request) -> HttpResponse:
    """One answer for an unknown, a revoked and an expired token: the product's brand, nothing of a workspace."""
    return render(request, "sharing/not_found.html", {"brand": PRODUCT_BRAND}, status=404)


def _rate_limited(request, link: ShareLink) -> HttpResponse | None:
    wait = guards.over_request_budget(link)
    if wait is None:
        return None
    context = {"retry_after": wait, "brand": brand_for_workspace(link.workspace)}
    response = render(request, "sharing/rate_limited.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _unlock_mark(link: ShareLink) -> str:
    # Bound to the password's hash: were it ever changed, an old session would not open the link.
    return hashlib.sha256(link.password_hash.encode()).hexdigest()[:32]


def _session_key(link: ShareLink) -> str:
    return f"share-unlocked:{link.pk}"


def is_unlocked(request, link: ShareLink) -> bool:
    return not link.has_password or request.session.get(_session_key(link)) == _unlock_mark(link)


def shared_page(request, token: str) -> HttpResponse:
    link = services.open_link(token)
    if link is None:
        return shared_response(_not_found(request))
    response = _rate_limited(request, link) or _page(request, link, token)
    return shared_response(response)


def _page(request, link: ShareLink, token: str) -> HttpResponse:
    if not is_unlocked(request, link):
        return _password_page(request, link)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = PAGE_VIEWS[link.target](request, link=link, token=token)
    if request.method == "GET" and response.status_code == 200:
        services.record_view(link)
    return response


def _password_page(request, link: ShareLink) -> HttpResponse:
    address = client_address(request)
    # Nothing of the workspace before the password, not even its name.
    context = {"brand": brand_for_workspace(link.workspace)}
    if guards.password_locked(link, address):
        return render(request, "sharing/password.html", {**context, "locked": True}, status=429)
    if request.method != "POST":
        return render(request, "sharing/password.html", {**context, "form": PasswordForm()})
    form = PasswordForm(request.POST)
    if form.is_valid() and services.password_matches(link, form.cleaned_data["password"]):
        guards.password_succeeded(link, address)
        request.session.cycle_key()
        request.session[_session_key(link)] = _unlock_mark(link)
        return redirect(request.path)
    guards.password_failed(link, address)
    if guards.password_locked(link, address):
        return render(request, "sharing/password.html", {**context, "locked": True}, status=429)
    form.add_error("password", "That is not the password of this link.")
    return render(request, "sharing/password.html", {**context, "form": form}, status=403)


def shared_chart(request, token: str, chart: str) -> HttpResponse:
    link = services.open_link(token)
    if link is None or chart not in CHARTS_OF[link.target] or not is_unlocked(request, link):
        return shared_response(_not_found(request))
    response = _rate_limited(request, link) or CHART_VIEWS[chart](request, link=link, token=token)
    return shared_response(response)
