"""A workspace's guided-start state: the checklist hidden or not, and the sample data it holds."""

from __future__ import annotations

from django.db import models

from accounts.tenancy import WorkspaceOwned


class SampleStatus(models.TextChoices):
    NONE = "", "No sample data"
    LOADING = "loading", "Loading sample data"
    LOADED = "loaded", "Sample data loaded"
    FAILED = "failed", "Sample data could not be loaded"


class WorkspaceStart(WorkspaceOwned):
    """At most one per workspace, created on the first action (a workspace without one: nothing done yet)."""

    checklist_dismissed_at = models.DateTimeField(null=True, blank=True)
    sample_status = models.CharField(max_length=10, choices=SampleStatus.choices, default=SampleStatus.NONE, blank=True)
    sample_loaded_at = models.DateTimeField(null=True, blank=True)
    # The highest id of each marketing table ("app_label.Model") once the generator had filled the empty
    # workspace: its rows are those up to it; a row above it (or in a table it left empty) is the client's.
    sample_high_ids = models.JSONField(default=dict, blank=True)
    sample_rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="onboarding_workspacestart_one")]

    def __str__(self) -> str:
        return f"start of workspace {self.workspace_id}"
