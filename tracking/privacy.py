"""Visitors and sessions without cookies or personal data.

A visitor is hash(today's salt, site key, client address, user agent): the
same browser is the same visitor for one UTC day on one site, and nothing
links it to the next day or to a person once the salt is gone. Salts are
random, kept one day in the database (so every web process agrees) and
deleted when the next day's is made. The address and user agent are never
stored.

A session is the visitor's page views no more than SESSION_MINUTES apart. The
state (session id and campaign) lives in the shared cache under the visitor's
hash and expires with the session: no table grows with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracking.models import DailySalt

SESSION_MINUTES = 30

_salts: dict[date, str] = {}


def daily_salt(day: date | None = None) -> str:
    """The salt of a UTC day, made (and the older ones deleted) by the first request of the day."""
    day = day or timezone.now().date()
    salt = _salts.get(day)
    if salt is not None:
        return salt
    row = DailySalt.objects.filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = DailySalt.objects.create(day=day, salt=secrets.token_hex(32))
        except IntegrityError:  # another process made it first
            row = DailySalt.objects.get(day=day)
        DailySalt.objects.filter(day__lt=day).delete()
    _salts.clear()
    _salts[day] = row.salt
    return row.salt


def visitor_id(*, site_token: str, address: str, user_agent: str) -> str:
    """The day's anonymous visitor id (see the module)."""
    text = "\x1f".join((daily_salt(), site_token, address, user_agent))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SessionState:
    session_id: str
    campaign: str | None  # the campaign's external_id, from the landing page
    is_new: bool


def _state_name(visitor: str) -> str:
    return f"tracking:visitor:{visitor}"


def current_session(visitor: str) -> SessionState | None:
    """The visitor's session if its last page view is under SESSION_MINUTES old (downloads, forms)."""
    found = cache.get(_state_name(visitor))
    return None if found is None else SessionState(found[0], found[1], is_new=False)


def keep_session(visitor: str, state: SessionState) -> None:
    """A page view of `state`'s session: it lasts SESSION_MINUTES from now."""
    cache.set(_state_name(visitor), (state.session_id, state.campaign), timeout=SESSION_MINUTES * 60)


def new_session(campaign: str | None) -> SessionState:
    return SessionState(secrets.token_hex(16), campaign, is_new=True)
