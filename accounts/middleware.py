from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port

from accounts.hosts import agency_for_host
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


class BrandHostMiddleware:
    """Resolves the request's host to the agency serving its clients there, once per request.

    `request.host_agency` is that agency (its id, slug and brand) or None on
    the product's own host names. Django has already refused a host outside
    ALLOWED_HOSTS (CommonMiddleware runs first), so only a host the operator
    allowed can select an agency.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The product's own host (SITE_URL's) is never an agency's: no lookup for it.
        self.site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()

    def __call__(self, request):
        host, _port = split_domain_port(request.get_host())
        request.host_agency = agency_for_host(host) if self.may_be_an_agency_host(request, host) else None
        return self.get_response(request)

    def may_be_an_agency_host(self, request, host: str) -> bool:
        """No lookup where none can match: the product's host, names without a dot (localhost),
        IP addresses (an agency's host is a DNS name, models.validate_host_name) and the API
        (key-authenticated JSON, shown under no brand)."""
        if not host or host == self.site_host or "." not in host or host.startswith("["):
            return False
        return not host.rsplit(".", 1)[1].isdigit() and not request.path_info.startswith("/api/")
