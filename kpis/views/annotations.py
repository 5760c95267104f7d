"""Annotations: editors add, change and delete the workspace's notes; everyone with access reads them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from campaigns.models import Channel
from kpis import display, periods, records
from kpis.annotations import (
    MAX_TEXT,
    AnnotationSource,
    annotation_delete,
    annotation_get,
    annotation_list,
    annotation_save,
    consistency_errors,
)
from kpis.views.state import local_today


class AnnotationForm(forms.Form):
    starts_on = forms.DateField(label="On (or from)", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a single day.",
    )
    text = forms.CharField(label="Note", max_length=MAX_TEXT, widget=forms.TextInput(attrs={"size": 40}))
    campaign = forms.ChoiceField(label="Campaign", required=False)
    channel = forms.ChoiceField(label="Channel", required=False, choices=[("", "Every channel"), *Channel.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Runs inside the view's workspace scope: the workspace's campaigns only.
        self.campaigns = records.campaigns_by_external_id()
        by_name = sorted(((c.external_id, c.name) for c in self.campaigns.values()), key=lambda c: c[1].lower())
        self.fields["campaign"].choices = [("", "Every campaign"), *by_name]

    def clean_starts_on(self):
        return self._supported(self.cleaned_data["starts_on"])

    def clean_ends_on(self):
        return self._supported(self.cleaned_data.get("ends_on"))

    @staticmethod
    def _supported(day):
        if day is not None and not periods.supported_day(day):
            raise forms.ValidationError(f"{periods.DATES_MESSAGE}.")
        return day

    def clean(self):
        cleaned = super().clean()
        cleaned["campaign"] = self.campaigns.get(cleaned.get("campaign") or "")
        errors = consistency_errors(
            starts_on=cleaned.get("starts_on"),
            ends_on=cleaned.get("ends_on"),
            campaign=cleaned["campaign"],
            channel=cleaned.get("channel") or "",
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return cleaned


def initial_of(annotation) -> dict:
    return {
        "starts_on": annotation.starts_on,
        "ends_on": annotation.ends_on,
        "text": annotation.text,
        "campaign": annotation.campaign.external_id if annotation.campaign else "",
        "channel": annotation.channel,
    }


class AnnotationsView(WorkspaceViewMixin, TemplateView):
    """The workspace's annotations, newest first, with a form to add one (editors)."""

    template_name = "kpis/annotations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [
            {
                "annotation": a,
                "when": display.format_period(a.starts_on, a.last_day),
                "applies_to": a.campaign.name if a.campaign else display.channel_label(a.channel) or "Everywhere",
            }
            for a in annotation_list(workspace=self.workspace)
        ]
        context.update(rows=rows)
        context.setdefault("form", AnnotationForm(initial={"starts_on": local_today(self.workspace)}))
        return context

    def post(self, request, *args, **kwargs):
        form = AnnotationForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        annotation_save(
            workspace=self.workspace, created_by=request.user, source=AnnotationSource.PERSON, **form.cleaned_data
        )
        messages.success(request, "Annotation added: it shows on the charts of its dates.")
        return redirect("kpis-annotations", workspace_slug=self.workspace.slug)


class AnnotationEditView(WorkspaceViewMixin, TemplateView):
    """One annotation's form (editors); GET shows it, POST saves it."""

    template_name = "kpis/annotation_edit.html"
    read_capability = Can.EDIT_DATA

    def dispatch_annotation(self):
        annotation = annotation_get(workspace=self.workspace, annotation_id=self.kwargs["annotation_id"])
        if annotation is None:
            raise Http404("No such annotation.")
        return annotation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        annotation = self.dispatch_annotation()
        context.update(annotation=annotation)
        context.setdefault("form", AnnotationForm(initial=initial_of(annotation)))
        return context

    def post(self, request, *args, **kwargs):
        annotation = self.dispatch_annotation()
        form = AnnotationForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        annotation_save(workspace=self.workspace, annotation=annotation, **form.cleaned_data)
        messages.success(request, "Annotation saved.")
        return redirect("kpis-annotations", workspace_slug=self.workspace.slug)


class AnnotationDeleteView(WorkspaceViewMixin, View):
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, annotation_id: int):
        if not annotation_delete(workspace=self.workspace, annotation_id=annotation_id):
            raise Http404("No such annotation.")
        messages.success(request, "Annotation deleted.")
        return redirect("kpis-annotations", workspace_slug=self.workspace.slug)
