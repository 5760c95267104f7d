"""Logging filters named by the LOGGING setting."""

from __future__ import annotations

import logging


def not_throttled(record: logging.LogRecord) -> bool:
    """False for django.request's record of a 429 answer."""
    return getattr(record, "status_code", None) != 429
