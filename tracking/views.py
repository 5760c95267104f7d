"""The tracking endpoints every site calls (/t.js, /t/collect) and the admin's pages of site keys."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.network import client_address
from accounts.roles import Can
from campaigns.models import Campaign
from campaigns.services import BatchInvalid, WriteConflict
from kpis import periods
from kpis.views.state import DashboardStateMixin
from tracking import collector, ratelimit, sites
from tracking.forms import CampaignValueForm, SiteKeyForm
from tracking.models import CampaignValue, SiteKey, TrackedSession, TrafficChannel
from tracking.script import script, snippet

logger = logging.getLogger(__name__)

# /t.js is fetched by every page of every tracked site: browsers keep it a day and then revalidate
# (304 by ETag); the versioned URL (?v=<version>) never changes content and is kept a year.
SCRIPT_MAX_AGE = 86400
VERSIONED_MAX_AGE = 31536000


def tracking_script(request: HttpRequest) -> HttpResponse:
    content, version = script()
    etag = f'"{version}"'
    versioned = request.GET.get("v") == version
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()  # no Content-Type: an HTML one would be blocked (ORB)
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = (
        f"public, max-age={VERSIONED_MAX_AGE}, immutable" if versioned else f"public, max-age={SCRIPT_MAX_AGE}"
    )
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _with_cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin"])
    return response


def _too_many(wait: int) -> HttpResponse:
    response = _plain("Too many events.", 429)
    response["Retry-After"] = str(wait)
    return response


@csrf_exempt
def collect(request: HttpRequest) -> HttpResponse:
    """POST /t/collect?site=<key>: one event (JSON in a text/plain body), answered 202 (see README)."""
    if request.method not in ("POST", "OPTIONS"):
        response = _plain("POST an event.", 405)
        response["Allow"] = "POST, OPTIONS"
        return response
    # The body's size and the client address's budget were checked by tracking.middleware.
    address = client_address(request) or ""
    site_key = sites.active_site_key(request.GET.get("site", ""))
    if site_key is None:
        return _plain("Unknown or revoked site key.", 403)
    origin = request.headers.get("Origin", "")
    if origin not in site_key.allowed_origins:
        return _plain("This origin is not allowed for this site key.", 403)
    if request.method == "OPTIONS":  # a preflight (fetch with a JSON content type): the same rules
        response = _with_cors(HttpResponse(status=204), origin)
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return response
    wait = ratelimit.site_refused(site_key.token)
    if wait is not None:
        return _with_cors(_too_many(wait), origin)
    user_agent = request.headers.get("User-Agent", "")[:512]
    try:
        event = collector.parse_event(request.body)
    except collector.BadEvent as error:
        collector.count_refused(site_key)
        return _with_cors(_plain(str(error), 400), origin)
    opted_out = request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"
    if collector.is_bot(user_agent) or (site_key.honour_dnt and (opted_out or event.opted_out)):
        return _with_cors(HttpResponse(status=202), origin)  # dropped, said nothing about it
    try:
        collector.record(site_key, event, address=address, user_agent=user_agent)
    except BatchInvalid as error:
        collector.count_refused(site_key)
        return _with_cors(_plain("; ".join(e.message for e in error.errors), 400), origin)
    except WriteConflict:
        response = _with_cors(_plain("Busy; send it again.", 503), origin)
        response["Retry-After"] = "1"
        return response
    return _with_cors(HttpResponse(status=202), origin)


class SiteKeysView(WorkspaceViewMixin, TemplateView):
    """/w/<slug>/web/sites/: the workspace's site keys, their snippets, and a form to add one."""

    template_name = "tracking/sites.html"
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.request.build_absolute_uri("/").rstrip("/")
        keys = list(SiteKey.objects.order_by("-created_at"))
        context.update(
            site_keys=[(key, snippet(base_url=base, token=key.token)) for key in keys],
            unmapped=list(CampaignValue.objects.filter(campaign__isnull=True).order_by("-sessions", "value")[:50]),
            campaigns=list(Campaign.objects.order_by("name").values_list("pk", "name")),
        )
        context.setdefault("form", SiteKeyForm())
        return context

    def post(self, request, *args, **kwargs):
        form = SiteKeyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        key = sites.site_key_create(workspace=self.workspace, settings=form.site_settings(), created_by=request.user)
        messages.success(request, f"Site key “{key.name}” created: paste its snippet into the site's pages.")
        return redirect("tracking-sites", workspace_slug=self.workspace.slug)


class SiteKeyEditView(WorkspaceViewMixin, TemplateView):
    """/w/<slug>/web/sites/<id>/: change a key's origins and options."""

    template_name = "tracking/site_edit.html"
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site_key = get_object_or_404(SiteKey, pk=self.kwargs["site_id"])
        context["site_key"] = site_key
        context.setdefault("form", SiteKeyForm.for_key(site_key))
        return context

    def post(self, request, *args, **kwargs):
        site_key = get_object_or_404(SiteKey, pk=self.kwargs["site_id"])
        form = SiteKeyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        sites.site_key_update(site_key=site_key, settings=form.site_settings())
        messages.success(request, f"Site key “{site_key.name}” saved.")
        return redirect("tracking-sites", workspace_slug=self.workspace.slug)


class SiteKeyRevokeView(WorkspaceViewMixin, View):
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, site_id: int):
        site_key = get_object_or_404(SiteKey, pk=site_id)
        sites.site_key_revoke(site_key=site_key)
        messages.success(request, f"Site key “{site_key.name}” revoked: its events are refused from now on.")
        return redirect("tracking-sites", workspace_slug=self.workspace.slug)


class CampaignValueMapView(WorkspaceViewMixin, View):
    """POST: map an unknown campaign parameter value to a campaign (applies to sessions from then on)."""

    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str):
        form = CampaignValueForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        else:
            value, campaign = form.cleaned_data["value"], form.cleaned_data["campaign"]
            value.campaign = campaign
            value.save(update_fields=["campaign"])
            messages.success(request, f"“{value.value}” now counts for {campaign.name}.")
        return redirect("tracking-sites", workspace_slug=self.workspace.slug)


class TrafficView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """/w/<slug>/web/traffic/: tracked sessions per channel, source and referrer host over a date range.

    The range is the analysis pages' (kept across pages and remembered per person); the form sends the
    rest of the state along unchanged.
    """

    template_name = "tracking/traffic.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.dispatch_state()
        preset, errors = state.preset, state.errors
        first, last = state.period.first, state.period.last
        sessions = TrackedSession.objects.filter(started_on__gte=first, started_on__lte=last)

        def top(field: str, labels: dict | None = None) -> list[dict]:
            rows = sessions.values(field).annotate(sessions=Count("id")).order_by("-sessions", field)[:20]
            return [{"label": (labels or {}).get(row[field], row[field]), "sessions": row["sessions"]} for row in rows]

        context.update(
            preset=preset,
            presets=periods.PRESETS,
            kept_params=[(k, v) for k, v in state.params().items() if k not in ("range", "from", "to")],
            errors=errors,
            first=first,
            last=last,
            total=sessions.count(),
            tables=[
                ("Channel", top("channel", dict(TrafficChannel.choices)), "channel", ""),
                ("Source (utm_source)", top("utm_source"), "source", "(none)"),
                ("Referrer", top("referrer_host"), "referrer", "(none: direct or tagged)"),
            ],
        )
        return context
