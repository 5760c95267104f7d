"""What stands between a token and its page: a request budget per link and a password throttle.

Both are counters in Django's cache (shared among web processes when CACHE_URL is set), keyed by
the token's hash, never the token: a cache dump gives no working link.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from sharing.models import ShareLink


def _count(key: str, window: int) -> int:
    """Adds one to the window's counter and returns it (the first request of a window creates it)."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the add and the incr
        cache.add(key, 1, timeout=window)
        return 1


def over_request_budget(link: ShareLink) -> int | None:
    """Counts a request to the link: None within budget, else the seconds until the next window."""
    limit, window = settings.SHARE_LINK_RATE_LIMIT
    now = int(time.time())
    bucket = now // window
    if _count(f"share-rate:{link.token_hash}:{bucket}", window) > limit:
        return window - now % window
    return None


def _failures_key(link: ShareLink, address: str | None) -> str:
    return f"share-password:{link.token_hash}:{address or '-'}"


def password_locked(link: ShareLink, address: str | None) -> bool:
    limit, _window = settings.SHARE_LINK_PASSWORD_FAILURES
    return (cache.get(_failures_key(link, address)) or 0) >= limit


def password_failed(link: ShareLink, address: str | None) -> None:
    _limit, window = settings.SHARE_LINK_PASSWORD_FAILURES
    _count(_failures_key(link, address), window)


def password_succeeded(link: ShareLink, address: str | None) -> None:
    cache.delete(_failures_key(link, address))
