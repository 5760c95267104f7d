"""Annotations: notes on a day or a range of days ("site outage", "spring campaign launched").

People add them on the annotations page, integrations over the API. Every
chart of the workspace reads the ones overlapping its range that apply to its
scope (`for_chart`): a note without campaign or channel applies everywhere; one
naming a campaign or a channel applies to the charts narrowed to it and to the
unnarrowed ones.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Workspace
from accounts.tenancy import WorkspaceOwned, workspace_scope
from accounts.workspace_keys import WorkspaceForeignKey
from campaigns.models import Campaign, Channel

MAX_TEXT = 500


class AnnotationSource(models.TextChoices):
    PERSON = "person", "Person"
    API = "api", "API"


class Annotation(WorkspaceOwned):
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty for a single day.")
    text = models.CharField(max_length=MAX_TEXT)
    # A deleted campaign takes its notes with it: kept, they would apply to every chart.
    campaign = WorkspaceForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=AnnotationSource.choices, default=AnnotationSource.PERSON)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "kpis"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="kpis_annotation_range",
            )
        ]
        indexes = [models.Index(fields=["workspace", "starts_on"], name="kpis_annotation_start")]
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.starts_on.isoformat()}: {self.text[:40]}"

    @property
    def last_day(self) -> date:
        return self.ends_on or self.starts_on


def overlapping(first: date, last: date) -> Q:
    """Annotations with at least one day in first..last."""
    return Q(starts_on__lte=last) & (Q(ends_on__gte=first) | Q(ends_on__isnull=True, starts_on__gte=first))


def applying_to(*, campaign: Campaign | None = None, channel: str | None = None) -> Q:
    """Annotations shown on a chart narrowed to `campaign` or `channel` (every one when neither)."""
    if campaign is not None:
        everywhere_or_channel = Q(campaign__isnull=True) & (Q(channel="") | Q(channel=campaign.channel))
        return everywhere_or_channel | Q(campaign=campaign)
    if channel:
        return Q(campaign__isnull=True, channel__in=["", channel]) | Q(campaign__channel=channel)
    return Q()


def for_chart(
    *, workspace: Workspace, first: date, last: date, campaign: Campaign | None = None, channel: str | None = None
) -> list[Annotation]:
    """The annotations a chart of first..last narrowed to `campaign` / `channel` shows, oldest first."""
    with workspace_scope(workspace):
        return list(
            Annotation.objects.filter(overlapping(first, last), applying_to(campaign=campaign, channel=channel))
            .select_related("campaign")
            .order_by("starts_on", "id")
        )


def annotation_list(*, workspace: Workspace) -> list[Annotation]:
    with workspace_scope(workspace):
        return list(Annotation.objects.select_related("campaign", "created_by").order_by("-starts_on", "-id"))


def annotation_get(*, workspace: Workspace, annotation_id: int) -> Annotation | None:
    with workspace_scope(workspace):
        return Annotation.objects.select_related("campaign").filter(pk=annotation_id).first()


def consistency_errors(
    *, starts_on: date | None, ends_on: date | None, campaign: Campaign | None, channel: str
) -> dict:
    """Field → message for a range ending before it starts or a channel that is not its campaign's."""
    errors = {}
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end is before the start."
    if campaign is not None and channel and channel != campaign.channel:
        errors["channel"] = (
            f"The campaign “{campaign.external_id}” is in the channel {campaign.get_channel_display()}: "
            "leave the channel empty or give that one."
        )
    return errors


def annotation_save(*, workspace: Workspace, annotation: Annotation | None = None, **fields) -> Annotation:
    """Create (no `annotation`) or change an annotation of the workspace; fields are already validated."""
    with workspace_scope(workspace):
        if annotation is None:
            annotation = Annotation(workspace=workspace)
        for name, value in fields.items():
            setattr(annotation, name, value)
        if annotation.ends_on == annotation.starts_on:
            annotation.ends_on = None  # one day is one day, however it was written
        annotation.save()
    return annotation


def annotation_delete(*, workspace: Workspace, annotation_id: int) -> bool:
    with workspace_scope(workspace):
        deleted, _ = Annotation.objects.filter(pk=annotation_id).delete()
    return bool(deleted)
