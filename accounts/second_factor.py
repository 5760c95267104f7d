"""An agency owner can require a second factor (TOTP or a passkey) of the agency's staff.

Staff of such an agency who have none are sent to set one up before any other
page: the setup pages (allauth's, under /accounts/), logging out and static
files stay reachable. API keys are credentials of their own and are unaffected.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import AgencyMembership, User

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Reachable without a second factor: its setup, signing out, and what carries no client data.
EXEMPT_PREFIXES = ("/accounts/", "/logout/", "/second-factor/", "/admin/logout/")
# Key-authenticated API and files: no session, no client pages.
SESSIONLESS_PREFIXES = ("/api/", "/static/", "/media/")


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def agencies_requiring_second_factor(user: User) -> list[str]:
    """Names of the user's agencies (as staff) that require a second factor."""
    memberships = AgencyMembership.objects.filter(user=user, agency__require_second_factor=True)
    return list(memberships.values_list("agency__name", flat=True))


def second_factor_missing(user: User) -> bool:
    return bool(agencies_requiring_second_factor(user)) and not has_second_factor(user)


class SecondFactorRequiredMiddleware:
    """Redirects signed-in staff who owe their agency a second factor to the page that says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(SESSIONLESS_PREFIXES):
            # Not even a look at the user: that reads the session, and the answer would vary by cookie.
            request.second_factor_missing = False
            return self.get_response(request)
        user = getattr(request, "user", None)
        request.second_factor_missing = user is not None and user.is_authenticated and second_factor_missing(user)
        if request.second_factor_missing and not request.path_info.startswith(EXEMPT_PREFIXES):
            return redirect(reverse("second-factor-required"))
        return self.get_response(request)
