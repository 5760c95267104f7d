"""The collector's budgets: fixed windows counted in the shared cache, one atomic increment each.

Per client address (a flood from one machine is refused without touching any
site's budget) and per site key. The address is hashed in the counter's name:
the cache never holds it. A cache that is down lets events through (logged).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """ "600/min" → Rate(600, 60)."""
    count, _, unit = text.partition("/")
    return Rate(int(count), _UNITS[unit.strip().lower()])


def _count(name: str, rate: Rate, now: float) -> tuple[int, int]:
    """This event's number in its window of `rate`, and the seconds until the window ends."""
    number = int(now // rate.seconds)
    wait = max(1, math.ceil((number + 1) * rate.seconds - now))
    key = f"tracking:rl:{name}:{rate.seconds}:{number}"
    try:
        return cache.incr(key), wait
    except ValueError:  # the window's first event
        if cache.add(key, 1, timeout=wait + 1):
            return 1, wait
        return cache.incr(key), wait


def _refused(name: str, rate_setting: str) -> int | None:
    now = time.time()
    try:
        rate = parse_rate(rate_setting)
        count, wait = _count(name, rate, now)
    except Exception:
        logger.warning("Tracking rate limit unavailable; event let through", exc_info=True)
        return None
    return wait if count > rate.requests else None


def address_refused(address: str) -> int | None:
    """Seconds to wait if the address has spent its budget (this event counted), else None.

    Checked first, before the site key is even looked up: a flood's refusals cost one cache increment.
    """
    digest = hashlib.sha256(address.encode()).hexdigest()[:24]
    return _refused(f"addr:{digest}", settings.TRACKING_ADDRESS_RATE)


def site_refused(site_token: str) -> int | None:
    """Seconds to wait if the site key has spent its budget (this event counted), else None."""
    return _refused(f"site:{site_token}", settings.TRACKING_SITE_RATE)
