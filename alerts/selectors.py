"""Reads of alert rules for pages and the attention list."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from alerts.models import AlertRule


def rule_list(*, workspace: Workspace) -> list[AlertRule]:
    with workspace_scope(workspace):
        return list(AlertRule.objects.select_related("campaign").order_by("-state", "name", "id"))


def rule_get(*, workspace: Workspace, rule_id: int) -> AlertRule | None:
    with workspace_scope(workspace):
        return AlertRule.objects.select_related("campaign").filter(pk=rule_id).first()


def people_of(workspace: Workspace):
    """Everyone who reaches the workspace: its agency's staff and its direct members."""
    reach = Q(agency_memberships__agency_id=workspace.agency_id) | Q(workspace_memberships__workspace=workspace)
    return User.objects.filter(reach, is_active=True).distinct().order_by("email")
