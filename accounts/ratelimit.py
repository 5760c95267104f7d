"""Refuse an API request over its workspace's budget before the rest of the middleware stack runs.

A flooding integration's refused requests would otherwise each cost sessions,
CSRF, authentication, axes, CSP and DRF's dispatch before ApiKeyRateThrottle
answers 429, CPU taken from every other workspace. This middleware answers
only what is certain to be refused: a request under /api/ with a bearer key
the shared cache holds (no database query), for a view the key throttle
decides, whose workspace has already spent its window. Anything else (a key
not cached, revoked or wrong, a budget not yet spent, a cache that is down)
goes down the normal path, where the throttle stays the authority.

Each request is counted once whichever path it takes: the middleware only
reads the window's counter, and increments it only for a request it refuses
(which then never reaches the throttle). The read is one round trip: the
key's cached row and its workspace's counter together, the workspace known
from an earlier request of the key in this process (a key never changes
workspace; the row read alongside confirms it). The answer is DRF's own,
built by the view that would have answered: the same body and headers,
Retry-After and X-RateLimit-* included.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from rest_framework import exceptions
from rest_framework.views import APIView

from accounts.authentication import (
    KEY_QUERY_PARAMETERS,
    ApiKeyAuthentication,
    ApiKeyRateThrottle,
    HasWorkspaceKey,
    RateLimit,
    Window,
    WorkspaceAPIMixin,
    bearer_key,
)
from accounts.services import api_key_cache_entry, api_key_from_cache_entry

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class ApiRateLimitMiddleware:
    """429 at once for an API request whose workspace's window is already spent (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            try:
                refusal = refusal_if_spent(request)
            except Exception:
                # The cache is down (the throttle lets requests through and logs it) or a view cannot be
                # set up here: the normal path answers, as it would without this middleware.
                logger.debug("Early rate limit check skipped", exc_info=True)
                refusal = None
            if refusal is not None:
                return refusal
        return self.get_response(request)


# A key's cache entry -> its workspace, learnt from the entry itself (one item per valid key this process
# has seen): only ever a guess of which counter to read along with the entry, which then confirms it.
_workspace_of_entry: dict[str, int] = {}


def refusal_if_spent(request: HttpRequest) -> HttpResponse | None:
    """The throttle's 429 for `request` if it is certain to be refused, counted; None to let it through."""
    raw_key = bearer_key(request.META.get("HTTP_AUTHORIZATION", ""))
    if raw_key is None or any(name in request.GET for name in KEY_QUERY_PARAMETERS):
        return None  # authentication decides these (401), before any throttle
    entry = api_key_cache_entry(raw_key)
    if entry is None:
        return None
    throttle = ApiKeyRateThrottle()
    if throttle.rate is None:
        return None
    window = _spent_window(throttle, entry, raw_key)
    if window is None:
        return None
    # Spent: only now pay for finding the view (most requests never get here).
    view = _throttled_view(request)
    rate_limit = None if view is None else throttle.count_refused(window)
    if rate_limit is None:
        return None
    return _throttled_answer(view, rate_limit, wait=throttle.wait())


def _spent_window(throttle: ApiKeyRateThrottle, entry: str, raw_key: str) -> Window | None:
    """The current window of the key's workspace if the key is cached and the window spent, else None.

    One round trip: the key's cached row and the counter of the workspace this process last saw it in.
    """
    workspace_id = _workspace_of_entry.get(entry)
    window = None if workspace_id is None else throttle.window(throttle.workspace_ident(workspace_id))
    found = throttle.cache.get_many([entry] if window is None else [entry, window.counter])
    key = api_key_from_cache_entry(raw_key, found.get(entry))
    if key is None:
        return None
    if key.workspace_id != workspace_id:  # first seen here (or the guess was wrong): the throttle decides
        _workspace_of_entry[entry] = key.workspace_id
        return None
    return window if throttle.spent(found.get(window.counter)) else None


def _throttled_view(request: HttpRequest) -> APIView | None:
    """The view that would answer `request`, set up as its dispatch() would be up to its checks, if
    it is one whose only say before the throttle is the key's (ApiKeyAuthentication, HasWorkspaceKey,
    ApiKeyRateThrottle) and content negotiation succeeds; None otherwise (the normal path answers)."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not _decided_by_the_key_throttle(view_class):
        return None
    view = view_class(**getattr(match.func, "view_initkwargs", {}))
    view.setup(request, *match.args, **match.kwargs)
    view.args, view.kwargs = match.args, match.kwargs
    view.request = view.initialize_request(request, *match.args, **match.kwargs)
    view.headers = view.default_response_headers
    view.format_kwarg = view.get_format_suffix(**match.kwargs)
    try:
        # What APIView.initial does before authentication: a 406 or 404 here comes before any 429.
        view.request.accepted_renderer, view.request.accepted_media_type = view.perform_content_negotiation(
            view.request
        )
        view.request.version, view.request.versioning_scheme = view.determine_version(
            view.request, *match.args, **match.kwargs
        )
    except exceptions.APIException:
        return None
    return view


def _throttled_answer(view: APIView, rate_limit: RateLimit, *, wait: float) -> HttpResponse:
    """What the view answers when check_throttles raises (its dispatch() catching it), rendered."""
    view.request.rate_limit = rate_limit
    response = view.handle_exception(exceptions.Throttled(wait=wait))
    response = view.finalize_response(view.request, response, *view.args, **view.kwargs).render()
    response["Content-Length"] = str(len(response.content))  # as CommonMiddleware gives the throttle's
    return response


@functools.cache
def _decided_by_the_key_throttle(view_class: type) -> bool:
    """Whether a valid cached key passes the view's authentication and permissions and the key throttle
    alone decides, and the view adds the X-RateLimit-* headers (WorkspaceAPIMixin)."""
    if not (issubclass(view_class, APIView) and issubclass(view_class, WorkspaceAPIMixin)):
        return False
    policy_per_request = any(
        getattr(view_class, name) is not getattr(APIView, name)
        for name in ("get_authenticators", "get_permissions", "get_throttles")
    )
    return (
        not policy_per_request
        and list(view_class.throttle_classes) == [ApiKeyRateThrottle]
        and list(view_class.authentication_classes)[:1] == [ApiKeyAuthentication]
        and all(permission is HasWorkspaceKey for permission in view_class.permission_classes)
    )
