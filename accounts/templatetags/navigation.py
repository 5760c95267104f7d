"""The workspace navigation and the workspace switcher's links (accounts/navigation.py holds the items)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from accounts import view_state
from accounts.navigation import ANALYSIS_ROUTES, workspace_nav

register = template.Library()


def _shown_state(request) -> dict:
    """The state the page showed (set by analysis pages), else nothing: a link without it recalls the last choice."""
    return getattr(request, "view_state", None) or {}


@register.inclusion_tag("accounts/_workspace_nav.html", takes_context=True)
def workspace_navigation(context) -> dict:
    request, workspace = context["request"], context["workspace"]
    groups = workspace_nav(
        slug=workspace.slug,
        path=request.path,
        can=context.get("can") or {},
        state_query=view_state.carry_query(_shown_state(request)),
    )
    current = next((link for _group, links in groups for link in links if link.current), None)
    return {"groups": groups, "current": current, "workspace": workspace, "request": request}


@register.simple_tag(takes_context=True)
def switch_url(context, ws) -> str:
    """The same analysis page in workspace `ws` (else its dashboard), keeping range, grain and comparison."""
    request, current = context["request"], context.get("workspace")
    match = getattr(request, "resolver_match", None)
    route = match.url_name if match and match.url_name in ANALYSIS_ROUTES and current is not None else "workspace-home"
    same = current is not None and ws.pk == current.pk
    query = view_state.carry_query(_shown_state(request), across_workspaces=not same)
    url = reverse(route, args=[ws.slug])
    return f"{url}?{query}" if query else url


@register.simple_tag(takes_context=True)
def home_url(context) -> str:
    """The agency overview, keeping the range."""
    query = view_state.carry_query(_shown_state(context["request"]), across_workspaces=True)
    return reverse("home") + (f"?{query}" if query else "")
