"""Reads about people and tenants: who reaches which agency and workspace."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Agency, AgencyMembership, ApiKey, User, Workspace, WorkspaceMembership
from accounts.roles import AGENCY_ROLE_IN_WORKSPACES, strongest_role


def workspaces_for_user(*, user: User) -> QuerySet[Workspace]:
    """Every workspace the user reaches, through agency staff or direct membership."""
    if not user.is_authenticated or not user.is_active:
        return Workspace.objects.none()
    return (
        Workspace.objects.filter(Q(agency__memberships__user=user) | Q(memberships__user=user), deleting_since=None)
        .select_related("agency")
        .distinct()
        .order_by("agency__name", "name")
    )


def agencies_for_user(*, user: User) -> QuerySet[Agency]:
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user).order_by("name")


def agency_role_for(*, user: User, agency: Agency) -> str | None:
    membership = AgencyMembership.objects.filter(user=user, agency=agency).only("role").first()
    return membership.role if membership else None


def workspace_role_for(*, user: User, workspace: Workspace) -> str | None:
    """The user's effective role in the workspace, or None when they have no access."""
    if not user.is_authenticated or not user.is_active:
        return None
    agency_role = agency_role_for(user=user, agency=workspace.agency)
    direct = WorkspaceMembership.objects.filter(user=user, workspace=workspace).only("role").first()
    return strongest_role(AGENCY_ROLE_IN_WORKSPACES.get(agency_role), direct.role if direct else None)


def workspace_access_or_404(*, user: User, slug: str) -> tuple[Workspace, str]:
    """The workspace and the user's role in it; a 404 whether it is missing or not theirs."""
    # A workspace being deleted is gone for everyone at once, while its rows are removed.
    workspace = Workspace.objects.select_related("agency").filter(slug=slug, deleting_since=None).first()
    role = workspace_role_for(user=user, workspace=workspace) if workspace else None
    if role is None:
        raise Http404("No such workspace.")
    return workspace, role


def agency_access_or_404(*, user: User, slug: str) -> tuple[Agency, str]:
    agency = Agency.objects.filter(slug=slug).first()
    role = agency_role_for(user=user, agency=agency) if agency and user.is_authenticated else None
    if role is None:
        raise Http404("No such agency.")
    return agency, role


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(workspace=workspace).select_related("created_by").order_by("-created_at")
