"""The collector's cheap refusals, at the top of the middleware stack.

A flood of events from one address, or a body too big, is answered here,
right after SecurityMiddleware: no session, CSRF, authentication or CSP work
and no database query, so a flooding client takes as little as possible from
the sites whose visitors keep sending.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.network import client_address
from tracking import ratelimit

COLLECT_PATH = "/t/collect"
MAX_BODY_BYTES = 8 * 1024


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class CollectorGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == COLLECT_PATH and request.method == "POST":
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def refusal(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain("The Content-Length header is not a number.", 400)
        if length > MAX_BODY_BYTES:  # refused before a byte of the body is read
            response = _plain(f"An event is at most {MAX_BODY_BYTES:,} bytes.", 413)
            response["Connection"] = "close"
            return response
        wait = ratelimit.address_refused(client_address(request) or "")
        if wait is not None:
            response = _plain("Too many events.", 429)
            response["Retry-After"] = str(wait)
            return response
        return None
