"""Login lockout (django-axes), per account and per client address, each counted on its own.

axes counts a failed login against the username typed and the client address
(AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]): either reaching the
limit locks. Two things are adjusted here:

- the username is the account the login would reach, not the text typed: the
  login matches the email case-insensitively, so VICTIM@… is the same account
  as victim@… and must not get a fresh count;
- a successful login forgives only that account's own failures from that
  address. axes would reset every failure matching any lockout parameter, the
  address included: logging in to one's own account cleared the failures the
  same address had just made on somebody else's.
"""

from __future__ import annotations

from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.http import HttpRequest

_USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login attempt counts against (AXES_USERNAME_CALLABLE): the email, case-folded.

    Case-folding after upper-casing maps together every spelling the login's case-insensitive match can
    (PostgreSQL's upper() included, under which the dotless ı and the long ſ that Django's email check
    lets through are I and S); it may merge a few more, which only ever locks sooner. Cut to what axes'
    record holds: folding may lengthen an address (ß is ss), and the few that share so long a start share
    a count.
    """
    source = credentials if credentials is not None else getattr(request, "data", request.POST)
    typed = source.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(typed, str):
        return None
    return typed.strip().upper().casefold()[:_USERNAME_LENGTH]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, but a success resets only the failures of that account from that address."""

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
