"""CSRF on every unsafe, session-authenticated request: each page URL of the project refuses one without a token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.test_sessions import login

UNSAFE = ("post", "put", "patch", "delete")
# Routes no session authenticates, and why (checked by their own tests instead).
NOT_SESSION_ROUTES = {
    "t/collect": "the tracking collector: a publishable site key and the Origin name the site, cookies are never read "
    "(tests/tracking/test_collector.py)",
    "reports/unsubscribe/<str:token>/": "a report's one-click unsubscribe (RFC 8058): mail clients POST it without "
    "a session; the signed token is the credential (tests/reports/test_pages.py)",
}


def _page_routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every route of the project outside the bearer-key API (which no session cookie authenticates)."""
    routes = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes += _page_routes(entry, route)
        elif (
            isinstance(entry, URLPattern)
            and "(?P" not in route
            and not route.startswith(("api/", "static/"))
            and route not in NOT_SESSION_ROUTES
        ):
            routes.append(route)
    return routes


def _concrete(route: str, slug: str) -> str:
    path = route.lstrip("^").rstrip("$")
    for converter, value in (("<slug:workspace_slug>", slug), ("<int:", "1"), ("<", "x")):
        while converter in path:
            start = path.index(converter)
            path = path[:start] + value + path[path.index(">", start) + 1 :]
    return "/" + path


ROUTES = _page_routes(get_resolver())


def test_the_sweep_covers_the_pages():
    assert len(ROUTES) >= 20
    assert {"login/", "w/<slug:workspace_slug>/api-keys/", "w/<slug:workspace_slug>/settings/"} <= set(ROUTES)
    assert all("<" not in _concrete(route, "acme") for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_an_unsafe_request_without_a_csrf_token_is_refused(route, agency_owner, workspace):
    client = Client(enforce_csrf_checks=True)
    login_client = Client()
    login(login_client, agency_owner)
    client.cookies["sessionid"] = login_client.cookies["sessionid"].value
    path = _concrete(route, workspace.slug)
    for method in UNSAFE:
        response = getattr(client, method)(path, {"name": "x"} if method == "post" else None)
        assert response.status_code == 403, (method, path, response.status_code)
