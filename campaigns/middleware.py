"""Refuse oversized API request bodies before anything reads them."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

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
