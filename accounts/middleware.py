from accounts.tenancy import no_workspace_scope


class TenantScopeResetMiddleware:
    """Each request starts with no workspace in scope and leaves none behind.

    A token reset rather than a fresh contextvars.Context: Django keeps its
    cache connections in context-local storage, which a fresh context would
    rebuild (a new Redis connection) on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with no_workspace_scope():
            return self.get_response(request)
