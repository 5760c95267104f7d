"""Who may do what: roles → capabilities (the README's permission matrix)."""

from __future__ import annotations

from enum import StrEnum

from accounts.models import AgencyRole, WorkspaceRole


class Can(StrEnum):
    VIEW = "view"  # dashboards, lists, KPI pages, exports
    EDIT_DATA = "edit_data"  # CSV import, target flags, KPI targets
    MANAGE_WORKSPACE = "manage_workspace"  # members, invitations, API keys, settings
    MANAGE_AGENCY = "manage_agency"  # create workspaces, agency staff


WORKSPACE_CAPABILITIES: dict[str, frozenset[Can]] = {
    WorkspaceRole.VIEWER: frozenset({Can.VIEW}),
    WorkspaceRole.EDITOR: frozenset({Can.VIEW, Can.EDIT_DATA}),
    WorkspaceRole.ADMIN: frozenset({Can.VIEW, Can.EDIT_DATA, Can.MANAGE_WORKSPACE}),
}

# Agency staff reach every workspace of their agency with this role.
AGENCY_ROLE_IN_WORKSPACES: dict[str, str] = {
    AgencyRole.OWNER: WorkspaceRole.ADMIN,
    AgencyRole.ADMIN: WorkspaceRole.ADMIN,
    AgencyRole.MEMBER: WorkspaceRole.EDITOR,
}

AGENCY_MANAGERS = frozenset({AgencyRole.OWNER, AgencyRole.ADMIN})

_RANK = {WorkspaceRole.VIEWER: 1, WorkspaceRole.EDITOR: 2, WorkspaceRole.ADMIN: 3}


def strongest_role(*roles: str | None) -> str | None:
    """The most capable of several workspace roles (None when there is none)."""
    present = [r for r in roles if r]
    return max(present, key=lambda r: _RANK[r]) if present else None


def workspace_capabilities(role: str | None) -> frozenset[Can]:
    return WORKSPACE_CAPABILITIES.get(role, frozenset()) if role else frozenset()


def agency_can_manage(role: str | None) -> bool:
    return role in AGENCY_MANAGERS
