"""API authentication: per-workspace bearer keys, and the workspace scope they bring."""

from __future__ import annotations

import logging
import math
import time
from contextlib import ExitStack
from dataclasses import dataclass

from django.core.cache import cache as default_cache
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.settings import api_settings

from accounts.models import ApiKey, Workspace
from accounts.services import api_key_touch, api_key_verify
from accounts.tenancy import workspace_scope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Integration:
    """The principal behind an API key (DRF's request.user for API calls)."""

    key: ApiKey

    is_authenticated = True
    is_active = True

    @property
    def workspace(self) -> Workspace:
        return self.key.workspace


# A key in one of these query parameters is refused (401), whatever the header says.
KEY_QUERY_PARAMETERS = ("api_key", "key", "token", "access_token")


def bearer_key(header: str) -> str | None:
    """The raw key of an `Authorization: Bearer <key>` header's value, or None if it is not one."""
    scheme, _, raw_key = header.partition(" ")
    if scheme.lower() != "bearer" or not raw_key.strip():
        return None
    return raw_key.strip()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        if any(name in request.query_params for name in KEY_QUERY_PARAMETERS):
            raise exceptions.AuthenticationFailed("Send the API key in the Authorization header, never in the URL.")
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        raw_key = bearer_key(header)
        if raw_key is None:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <api key>'.")
        key = api_key_verify(raw_key)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        api_key_touch(key=key)
        return Integration(key=key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class HasWorkspaceKey(permissions.BasePermission):
    message = "An API key is required: 'Authorization: Bearer <api key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


@dataclass(frozen=True)
class RateLimit:
    """Where a workspace stands in the current window, as told in the X-RateLimit-* headers."""

    limit: int
    remaining: int
    reset_at: int  # Unix time at which the window, and the budget, starts afresh

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


@dataclass(frozen=True)
class Window:
    """One fixed window of a workspace's budget: its counter's cache key, and when it ends."""

    counter: str
    reset_at: int


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """A fixed-window budget per workspace (all its keys together), counted in the cache.

    One atomic increment per request, instead of DRF's list of timestamps (whose
    cost grows with the rate). The counter lives in the default cache, so with
    CACHE_URL set to Redis every web process spends the same budget. A fixed
    window lets a client spend up to twice the rate across a window boundary;
    that is the price of O(1). If the cache is down, requests are let through
    (logged) rather than taking the API down with it.
    """

    scope = "api_key"
    cache = default_cache
    timer = time.time
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.workspace_ident(request.auth.workspace_id)
        return None

    @staticmethod
    def workspace_ident(workspace_id: int) -> str:
        return f"ratelimit:workspace:{workspace_id}"

    def window(self, ident: str) -> Window:
        """The current window of `ident`'s budget; sets wait_seconds (what Retry-After will say)."""
        now = self.timer()
        number = int(now // self.duration)
        reset_at = (number + 1) * self.duration
        self.wait_seconds = max(1, math.ceil(reset_at - now))
        return Window(counter=f"{ident}:{self.duration}:{number}", reset_at=reset_at)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        window = self.window(ident)
        try:
            count = self._count_request(window.counter, timeout=self.wait_seconds + 1)
        except Exception:
            logger.warning("Rate limit cache unavailable; request let through", exc_info=True)
            return True
        request.rate_limit = self._rate_limit(window, count)
        return count <= self.num_requests

    def spent(self, count: int | None) -> bool:
        """Whether a window whose counter reads `count` has spent its budget: its next request is certain
        to be refused (a counter only grows within its window)."""
        return (count or 0) >= self.num_requests

    def count_refused(self, window: Window) -> RateLimit | None:
        """Count a request refused because its window is `spent`, as allow_request would have (so the count
        is the same whichever path refuses it); None if the counter is gone (its window long over): not
        counted, and not to be refused."""
        try:
            count = self.cache.incr(window.counter)
        except ValueError:
            return None
        return self._rate_limit(window, count)

    def _rate_limit(self, window: Window, count: int) -> RateLimit:
        return RateLimit(limit=self.num_requests, remaining=max(0, self.num_requests - count), reset_at=window.reset_at)

    def _count_request(self, key: str, *, timeout: int) -> int:
        """This request's number in the window (atomic: incr in the cache, add for the first)."""
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request (or its key just expired)
            if self.cache.add(key, 1, timeout=timeout):
                return 1
            return self.cache.incr(key)

    def wait(self) -> float:
        return self.wait_seconds


class WorkspaceAPIMixin:
    """Base of every API view: the key's workspace is in scope from the moment
    authentication succeeds until the response is finalised, always reset."""

    workspace: Workspace

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        try:
            self.workspace = request.auth.workspace
        except Workspace.DoesNotExist:  # deleted since its key was cached
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        self._scope = ExitStack()
        self._scope.enter_context(workspace_scope(self.workspace))

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            response = super().finalize_response(request, response, *args, **kwargs)
        finally:
            scope = getattr(self, "_scope", None)
            if scope is not None:
                scope.close()
                self._scope = None
        # Every answer to a keyed request, 429s included, tells where the workspace's budget stands.
        rate_limit = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            for name, value in rate_limit.headers().items():
                response[name] = value
        return response
