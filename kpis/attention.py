"""What needs an account manager's attention across their clients: one list, many sources.

The apps above kpis (alerts, data health) register a provider in their
AppConfig.ready(); the agency overview and the daily digest call `collect()`.
kpis itself cannot import them (they sit above it), hence the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "warning", "info"]


@dataclass(frozen=True)
class AttentionItem:
    workspace_id: int
    kind: str  # "alert", "stale_source", "target_off_pace", …
    title: str
    detail: str = ""
    url: str = ""
    severity: Severity = "warning"


Provider = Callable[[Sequence], Iterable[AttentionItem]]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, so a reload is harmless) a provider called with the workspaces a person reaches."""
    _PROVIDERS[name] = provider


def collect(workspaces: Sequence) -> list[AttentionItem]:
    """Every provider's items for these workspaces, the most severe first."""
    if not workspaces:
        return []
    items = [item for provider in _PROVIDERS.values() for item in provider(workspaces)]
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(items, key=lambda item: (order[item.severity], item.workspace_id, item.title))
