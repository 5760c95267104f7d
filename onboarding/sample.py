"""Sample data for a new workspace: loaded from the generator on request, removed exactly.

The design, kept simple so that removal can never take the client's data:

- Sample data go only into an empty workspace (no row in any marketing table).
- Once loaded, the highest id of each marketing table is remembered (`WorkspaceStart.sample_high_ids`):
  the generator's rows are the workspace's rows up to it, since ids only grow.
- Removal deletes the workspace's marketing rows only while every one of them is such a row. A row
  the client added since (above the remembered id, or in a table the generator left empty) makes
  removal refuse, naming the tables, and nothing is deleted. A sample row the client changed since
  (same external_id) is still a sample row and goes with the rest.

The generator writes a bounded demo-sized workspace, so the delete, through the ORM for its
cascades, handles thousands of rows, not a client's history.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.resources import RESOURCES
from kpis.tasks import recompute_workspace_full_task
from onboarding.models import SampleStatus, WorkspaceStart
from sampledata.seeding import seed_workspace

logger = logging.getLogger(__name__)

# A few months of a small client: seconds to load, and every dashboard panel has figures.
SAMPLE_SCALE = "demo"
SAMPLE_SEED = 1


class SampleDataRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _marketing_models() -> list[type[Model]]:
    """Every table of the client's marketing data, referenced tables first (the registry's order)."""
    return [resource.write.model for resource in RESOURCES.values()]


def _holds_data() -> bool:
    return any(model.objects.exists() for model in _marketing_models())


def _locked_start(workspace: Workspace) -> WorkspaceStart:
    start, _created = WorkspaceStart.objects.get_or_create(workspace=workspace)
    return WorkspaceStart.objects.select_for_update().get(pk=start.pk)


def sample_data_request(*, workspace: Workspace) -> None:
    """Mark the workspace as loading sample data and queue the load. Raises SampleDataRefused."""
    from onboarding.tasks import load_sample_data_task

    with workspace_scope(workspace), transaction.atomic():
        start = _locked_start(workspace)
        if start.sample_status in (SampleStatus.LOADING, SampleStatus.LOADED):
            raise SampleDataRefused("This workspace already holds sample data.")
        if _holds_data():
            raise SampleDataRefused("Sample data go only into an empty workspace, and this one already holds data.")
        start.sample_status = SampleStatus.LOADING
        start.save(update_fields=["sample_status"])
        workspace_id = workspace.pk
        transaction.on_commit(lambda: load_sample_data_task.delay(workspace_id))


def sample_data_load(*, workspace_id: int) -> None:
    """The task's work: fill the workspace from the generator and remember where its rows end.

    Does nothing unless a load was requested and is still pending, so a retried task loads once.
    """
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    with workspace_scope(workspace):
        try:
            with transaction.atomic():
                start = _locked_start(workspace)
                if start.sample_status != SampleStatus.LOADING:
                    return
                if _holds_data():
                    # Data arrived between the request and the load: never mix sample and client rows.
                    start.sample_status = SampleStatus.FAILED
                    start.save(update_fields=["sample_status"])
                    return
                counts = seed_workspace(workspace=workspace, scale=SAMPLE_SCALE, seed=SAMPLE_SEED)
                start.sample_high_ids = {
                    model._meta.label: model.objects.aggregate(top=Max("id"))["top"] or 0
                    for model in _marketing_models()
                }
                start.sample_rows = sum(counts.values())
                start.sample_status = SampleStatus.LOADED
                start.sample_loaded_at = timezone.now()
                start.save()
        except Exception:
            logger.exception("Sample data for workspace %s could not be loaded", workspace_id)
            WorkspaceStart.objects.filter(workspace=workspace).update(sample_status=SampleStatus.FAILED)


def client_tables(start: WorkspaceStart) -> list[str]:
    """The marketing tables holding rows the generator did not write (the client's own)."""
    high = start.sample_high_ids
    return [
        str(model._meta.verbose_name_plural)
        for model in _marketing_models()
        if model.objects.filter(id__gt=high.get(model._meta.label, 0)).exists()
    ]


def sample_data_remove(*, workspace: Workspace) -> int:
    """Delete the sample data, all or nothing, and recompute the KPIs; returns the rows deleted.

    Raises SampleDataRefused when there is no sample data, or when the client's own data sit beside it.
    """
    with workspace_scope(workspace), transaction.atomic():
        start = _locked_start(workspace)
        if start.sample_status == SampleStatus.LOADING:
            raise SampleDataRefused("The sample data are still loading: try again in a moment.")
        if start.sample_status != SampleStatus.LOADED:
            raise SampleDataRefused("This workspace holds no sample data.")
        own = client_tables(start)
        if own:
            raise SampleDataRefused(
                "This workspace now holds data of its own beside the sample data (in "
                + ", ".join(own)
                + "), so the sample data cannot be told apart from them: nothing was removed."
            )
        deleted = 0
        for model in reversed(_marketing_models()):
            deleted += model.objects.all().delete()[1].get(model._meta.label, 0)
        start.sample_status = SampleStatus.NONE
        start.sample_high_ids = {}
        start.sample_rows = 0
        start.sample_loaded_at = None
        start.save()
        workspace_id = workspace.pk
        transaction.on_commit(lambda: recompute_workspace_full_task.delay(workspace_id))
    return deleted
