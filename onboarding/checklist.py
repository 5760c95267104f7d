"""The guided start's checklist: each step ticks itself from the workspace's data, read in one query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey, Invitation, Workspace, WorkspaceMembership
from accounts.roles import Can
from accounts.tenancy import workspace_scope
from campaigns.models import ImportJob
from campaigns.resources import RESOURCES
from kpis.targets import Target
from onboarding.models import SampleStatus, WorkspaceStart
from reports.models import Schedule
from tracking.models import SiteKey


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    url: str
    action: str
    # Who may do it: a person whose role lacks the capability is told whom to ask.
    needs: Can
    why: str


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    dismissed: bool
    has_data: bool
    sample_status: str

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def open(self) -> bool:
        """Whether the navigation still offers it: neither hidden nor finished."""
        return not self.dismissed and not self.complete

    @property
    def sample_loaded(self) -> bool:
        return self.sample_status in (SampleStatus.LOADING, SampleStatus.LOADED)


def _facts(workspace: Workspace) -> dict:
    """Every fact the steps read, as EXISTS subqueries of one statement (each an index probe)."""
    ws = OuterRef("pk")
    start = WorkspaceStart.objects.filter(workspace=ws)
    data = {
        f"data_{name.replace('-', '_')}": Exists(resource.write.model.objects.filter(workspace=ws))
        for name, resource in RESOURCES.items()
    }
    return (
        Workspace.objects.filter(pk=workspace.pk)
        .annotate(
            imported=Exists(ImportJob.objects.filter(workspace=ws, status=ImportJob.Status.DONE)),
            api_key=Exists(ApiKey.objects.filter(workspace=ws, revoked_at__isnull=True)),
            target=Exists(Target.objects.filter(workspace=ws)),
            member=Exists(WorkspaceMembership.objects.filter(workspace=ws)),
            invited=Exists(Invitation.objects.filter(workspace=ws, revoked_at__isnull=True)),
            site_key=Exists(SiteKey.objects.filter(workspace=ws, revoked_at__isnull=True)),
            schedule=Exists(Schedule.objects.filter(workspace=ws)),
            dismissed=Exists(start.filter(checklist_dismissed_at__isnull=False)),
            sample_status=Subquery(start.values("sample_status")[:1]),
            **data,
        )
        .values(
            "imported",
            "api_key",
            "target",
            "member",
            "invited",
            "site_key",
            "schedule",
            "dismissed",
            "sample_status",
            *data,
        )
        .get()
    )


def checklist_for(workspace: Workspace) -> Checklist:
    """The workspace's checklist (the workspace must be in scope)."""
    facts = _facts(workspace)
    has_data = any(value for key, value in facts.items() if key.startswith("data_"))
    sample_status = facts["sample_status"] or SampleStatus.NONE
    # Sample data is not the client's: with it loaded, only a finished import ticks the first step.
    own_data = has_data and sample_status not in (SampleStatus.LOADING, SampleStatus.LOADED)
    slug = workspace.slug
    steps = (
        Step(
            "import",
            "Import a file of the client's data",
            facts["imported"] or own_data,
            reverse("data-import", args=[slug]),
            "Import a CSV file",
            Can.EDIT_DATA,
            "An export from the CRM or an ad platform: campaigns, spend, leads, deals… (data pushed over the API "
            "counts too).",
        ),
        Step(
            "api_key",
            "Create an API key",
            facts["api_key"],
            reverse("api-keys", args=[slug]),
            "Create an API key",
            Can.MANAGE_WORKSPACE,
            "Integrations and scripts push data and read KPIs with it: see the integrations page.",
        ),
        Step(
            "target",
            "Set a target",
            facts["target"],
            reverse("kpis-targets", args=[slug]),
            "Set a target",
            Can.EDIT_DATA,
            "A monthly, quarterly or yearly goal for a KPI: the dashboard paces the figures against it.",
        ),
        Step(
            "invite",
            "Invite the client",
            facts["member"] or facts["invited"],
            reverse("workspace-members", args=[slug]),
            "Invite someone",
            Can.MANAGE_WORKSPACE,
            "The client's marketers see only this workspace, as viewers, editors or admins.",
        ),
        Step(
            "tracking",
            "Add the tracking snippet to the client's site",
            facts["site_key"],
            reverse("tracking-sites", args=[slug]),
            "Create a site key",
            Can.MANAGE_WORKSPACE,
            "One line of HTML on the site: sessions, visitors, top pages and traffic sources, without cookies.",
        ),
        Step(
            "report",
            "Schedule a report",
            facts["schedule"],
            reverse("reports-home", args=[slug]),
            "Schedule a report",
            Can.EDIT_DATA,
            "A branded PDF with your commentary, emailed to the client every week or month.",
        ),
    )
    return Checklist(steps=steps, dismissed=facts["dismissed"], has_data=has_data, sample_status=sample_status)


def checklist_dismiss(*, workspace: Workspace, dismissed: bool) -> None:
    """Hide the checklist from the dashboard and the navigation, or show it again."""
    with workspace_scope(workspace):
        WorkspaceStart.objects.update_or_create(
            workspace=workspace, defaults={"checklist_dismissed_at": timezone.now() if dismissed else None}
        )
