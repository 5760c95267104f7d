"""API authentication: per-workspace bearer keys, and the workspace scope they bring."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from rest_framework import authentication, exceptions, permissions, throttling

from accounts.models import ApiKey, Workspace
from accounts.services import api_key_touch, api_key_verify
from accounts.tenancy import workspace_scope


@dataclass(frozen=True)
class Integration:
    """The principal behind an API key (DRF's request.user for API calls)."""

    key: ApiKey

    is_authenticated = True
    is_active = True

    @property
    def workspace(self) -> Workspace:
        return self.key.workspace


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        if any(name in request.query_params for name in ("api_key", "key", "token", "access_token")):
            raise exceptions.AuthenticationFailed("Send the API key in the Authorization header, never in the URL.")
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != "bearer" or not raw_key.strip():
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <api key>'.")
        key = api_key_verify(raw_key.strip())
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


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            return f"throttle:workspace:{request.auth.workspace_id}"
        return None


class WorkspaceAPIMixin:
    """Base of every API view: the key's workspace is in scope from the moment
    authentication succeeds until the response is finalised, always reset."""

    workspace: Workspace

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.workspace = request.auth.workspace
        self._scope = ExitStack()
        self._scope.enter_context(workspace_scope(self.workspace))

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            scope = getattr(self, "_scope", None)
            if scope is not None:
                scope.close()
                self._scope = None
