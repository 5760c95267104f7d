import contextvars


class TenantScopeResetMiddleware:
    """Runs each request in a fresh context, so no workspace scope can leak
    from one request to the next on a reused thread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return contextvars.Context().run(self.get_response, request)
