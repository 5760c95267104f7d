"""Data health for alert rules: the app that knows it (`health`, above alerts) registers its check here.

A rule on the pseudo-KPI `data_health` with the condition *stale* fires while any
source of the workspace has stopped sending (health/status.py defines "stale").
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import Workspace

# workspace -> a description of each stale source ("HubSpot: leads, 5 days silent")
StaleCheck = Callable[[Workspace], list[str]]

_check: StaleCheck | None = None


def register(check: StaleCheck) -> None:
    global _check
    _check = check


def stale_sources(workspace: Workspace) -> list[str] | None:
    """The workspace's stale sources; None when no data-health check is installed."""
    return None if _check is None else _check(workspace)
