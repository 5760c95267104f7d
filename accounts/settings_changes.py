"""The one place a workspace's settings change is announced to the apps above `accounts`.

`accounts` is the bottom app: it must not import the KPI engine that reacts to a new time zone or
engagement window. The engine registers a listener instead (`kpis.apps`), as it does for data
changes (`campaigns.changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from accounts.models import Workspace

# Settings that change how figures are shown, never the figures themselves.
PRESENTATION_ONLY = frozenset({"name", "currency", "number_locale"})

_listeners: list[Callable[[int], None]] = []


def on_workspace_settings_change(listener: Callable[[int], None]) -> None:
    """Register `listener(workspace_id)`, called after commit when a setting that changes figures is saved."""
    _listeners.append(listener)


def workspace_settings_changed(*, workspace: Workspace, fields: Iterable[str]) -> None:
    """Announce that `fields` of `workspace` were saved (inside the saving transaction)."""
    if not set(fields) - PRESENTATION_ONLY:
        return
    workspace_id = workspace.pk
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(workspace_id))
