"""Refuse requests no view should see: oversized API bodies, and NUL bytes in page URLs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse

API_PREFIX = "/api/"


class ApiBodySizeLimitMiddleware:
    """413 for an API request whose declared Content-Length exceeds API_MAX_BODY_BYTES.

    Only the header is looked at, so the body is never read; a request without
    a Content-Length has no body as far as Django is concerned.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            limit = settings.API_MAX_BODY_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "The Content-Length header is not a number."}, status=400)
            if length > limit:
                response = JsonResponse(
                    {
                        "detail": f"The request body is {length:,} bytes; the limit is {limit:,} bytes. Send smaller batches."
                    },
                    status=413,
                )
                response["Connection"] = "close"
                return response
        return self.get_response(request)


class NulByteMiddleware:
    """On the pages, a NUL byte in the path is a 404 and in the query string a 400, before any view reads them.

    No stored value can hold one (PostgreSQL text cannot, and ingestion refuses
    it), so such a URL names nothing. Page views read their parameters in many
    places, and PostgreSQL answers any query with a NUL with an error (a 500):
    one check here covers them all, present and future. The API is left to its
    own parameter validation, which refuses NUL with a 400 in the shape its
    schema documents for each endpoint.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            if "\x00" in request.path_info:
                raise Http404("No such page.")
            if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
                raise BadRequest("The query string contains a NUL character (%00).")
        return self.get_response(request)
