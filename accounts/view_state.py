"""The analysis pages' state (range, grain, comparison, narrowing), carried between pages and remembered.

URL first: every link between a workspace's analysis pages carries the state's query parameters
(`carry_query`). A page opened without any of them reads the person's last choice instead
(`page_params`), stored on their user row: the range, grain and comparison follow them across
workspaces, a campaign or channel narrowing only within the workspace it was chosen in (a campaign
of one client means nothing in another's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.http import QueryDict

# Carried to every workspace, and remembered once per person.
SHARED_PARAMS = ("range", "from", "to", "grain", "compare")
# Carried within one workspace only, and remembered per workspace.
NARROWING_PARAMS = ("campaign", "channel")
STATE_PARAMS = SHARED_PARAMS + NARROWING_PARAMS

# A stored value is one the page itself wrote back, short and plain; anything else is not kept.
_STORABLE = re.compile(r"^[\w.:@/ -]{1,200}$")


def has_state(params: Mapping) -> bool:
    return any(params.get(name) for name in STATE_PARAMS)


def state_of(params: Mapping, names: tuple[str, ...] = STATE_PARAMS) -> dict[str, str]:
    """The state parameters among `params`, in a fixed order, empty ones left out."""
    return {name: str(params[name]) for name in names if params.get(name)}


def carry_query(params: Mapping, *, across_workspaces: bool = False) -> str:
    """The query string that keeps `params`' state on another page (without the narrowing for another client)."""
    return urlencode(state_of(params, SHARED_PARAMS if across_workspaces else STATE_PARAMS))


def recalled(user, workspace_id: int | None) -> dict[str, str]:
    """The person's last choice: shared parameters, plus this workspace's narrowing."""
    stored = getattr(user, "view_state", None) or {}
    params = state_of(stored.get("shared") or {}, SHARED_PARAMS)
    if workspace_id is not None:
        params.update(state_of((stored.get("narrowing") or {}).get(str(workspace_id)) or {}, NARROWING_PARAMS))
    return params


def page_params(request, workspace_id: int | None = None) -> QueryDict:
    """The parameters an analysis page reads: the URL's, or, when it carries no state, the person's last choice."""
    if has_state(request.GET):
        return request.GET
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return request.GET
    params = request.GET.copy()
    for name, value in recalled(user, workspace_id).items():
        params[name] = value
    return params


def remember(request, state: Mapping, workspace_id: int | None = None) -> None:
    """Store the state a page showed as the person's last choice (one UPDATE, only when it changed).

    `state` is the page's own cleaned state (never the raw URL), so a bad parameter is not remembered.
    Without a workspace (the agency overview) the narrowing stored per workspace is left alone.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_state(request.GET):
        return
    stored = dict(getattr(user, "view_state", None) or {})
    clean = {name: value for name, value in state_of(state).items() if _STORABLE.match(value)}
    updated = dict(stored)
    updated["shared"] = state_of(clean, SHARED_PARAMS)
    if workspace_id is not None:
        narrowing = dict(stored.get("narrowing") or {})
        chosen = state_of(clean, NARROWING_PARAMS)
        if chosen:
            narrowing[str(workspace_id)] = chosen
        else:
            narrowing.pop(str(workspace_id), None)
        updated["narrowing"] = narrowing
    if updated == stored:
        return
    user.view_state = updated
    get_user_model().objects.filter(pk=user.pk).update(view_state=updated)
