"""The guided start's pages: the checklist, sample data, CSV templates and the integrations page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from campaigns.resources import RESOURCES
from onboarding import integrations
from onboarding.checklist import checklist_dismiss, checklist_for
from onboarding.csv_templates import example_object, template_csv, template_links
from onboarding.models import SampleStatus, WorkspaceStart
from onboarding.sample import SampleDataRefused, client_tables, sample_data_remove, sample_data_request
from tracking.models import SiteKey
from tracking.script import snippet


def _yesterday(workspace):
    return timezone.now().astimezone(workspace.tz).date() - timedelta(days=1)


class StartView(WorkspaceViewMixin, TemplateView):
    """/w/<slug>/start/: the checklist, and sample data to try the product with."""

    template_name = "onboarding/start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checklist = checklist_for(self.workspace)
        start = WorkspaceStart.objects.filter(workspace=self.workspace).first()
        context.update(
            checklist=checklist,
            start=start,
            sample_loading=checklist.sample_status == SampleStatus.LOADING,
            sample_failed=checklist.sample_status == SampleStatus.FAILED,
            can_load_sample=not checklist.has_data and not checklist.sample_loaded,
            can_remove_sample=checklist.sample_status == SampleStatus.LOADED,
            client_tables=client_tables(start) if start and checklist.sample_status == SampleStatus.LOADED else [],
            templates=template_links(self.workspace),
        )
        return context


class ChecklistDismissView(WorkspaceViewMixin, View):
    """POST: hide the checklist (`hide`) or show it again (`show`); editors and admins."""

    http_method_names = ["post"]
    write_capability = Can.EDIT_DATA

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in ("hide", "show"):
            return HttpResponse("action must be hide or show.", status=400, content_type="text/plain")
        checklist_dismiss(workspace=self.workspace, dismissed=action == "hide")
        if action == "hide":
            messages.success(request, "Checklist hidden. The Get started page stays linked from Integrations.")
            return HttpResponseRedirect(reverse("workspace-home", args=[self.workspace.slug]))
        return HttpResponseRedirect(reverse("onboarding-start", args=[self.workspace.slug]))


class _SampleDataAction(WorkspaceViewMixin, View):
    """A POST with the confirmation box ticked; workspace admins only."""

    http_method_names = ["post"]
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE
    confirm_message = ""

    def post(self, request, *args, **kwargs):
        start_url = reverse("onboarding-start", args=[self.workspace.slug])
        if request.POST.get("confirm") != "yes":
            messages.error(request, self.confirm_message)
            return HttpResponseRedirect(start_url)
        try:
            return self.act()
        except SampleDataRefused as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(start_url)

    def act(self) -> HttpResponse:
        raise NotImplementedError


class SampleDataLoadView(_SampleDataAction):
    confirm_message = "Tick the box to confirm that this workspace should be filled with sample data."

    def act(self) -> HttpResponse:
        sample_data_request(workspace=self.workspace)
        start = WorkspaceStart.objects.get(workspace=self.workspace)
        if start.sample_status == SampleStatus.LOADED:
            messages.success(
                self.request, f"Sample data loaded: {start.sample_rows:,} rows. Remove them from Get started."
            )
            return HttpResponseRedirect(reverse("workspace-home", args=[self.workspace.slug]))
        if start.sample_status == SampleStatus.FAILED:
            messages.error(self.request, "The sample data could not be loaded; nothing was written.")
        return HttpResponseRedirect(reverse("onboarding-start", args=[self.workspace.slug]))


class SampleDataRemoveView(_SampleDataAction):
    confirm_message = "Tick the box to confirm that the sample data should be removed."

    def act(self) -> HttpResponse:
        deleted = sample_data_remove(workspace=self.workspace)
        messages.success(self.request, f"Sample data removed: {deleted:,} rows. The workspace is empty again.")
        return HttpResponseRedirect(reverse("onboarding-start", args=[self.workspace.slug]))


class CsvTemplateView(WorkspaceViewMixin, View):
    """GET /w/<slug>/data/templates/<resource>.csv: the field names and one example row."""

    def get(self, request, *args, **kwargs):
        resource = RESOURCES.get(kwargs["resource"])
        if resource is None:
            raise Http404("No such kind of data.")
        text = template_csv(resource, workspace=self.workspace, day=_yesterday(self.workspace))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{resource.name}-template.csv"'
        return response


class IntegrationsView(WorkspaceViewMixin, TemplateView):
    """/w/<slug>/integrations/: the API's address, how to authenticate, and examples to copy."""

    template_name = "onboarding/integrations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        build = self.request.build_absolute_uri
        api_base = build("/api/v1/")
        schema_url = build(reverse("api-schema"))
        last_day = _yesterday(self.workspace)
        spend = example_object(RESOURCES["spend"], workspace=self.workspace, day=last_day)
        title = settings.SPECTACULAR_SETTINGS["TITLE"]
        context.update(
            api_base=api_base,
            server_url=build("/").rstrip("/"),
            schema_url=schema_url,
            docs_url=build(reverse("api-docs")),
            key_variable=integrations.KEY_VARIABLE,
            snippets=integrations.snippets(
                api_base=api_base,
                schema_url=schema_url,
                spend=spend,
                first_day=last_day - timedelta(days=29),
                last_day=last_day,
            ),
            client_package=integrations.client_package(title),
            templates=template_links(self.workspace),
            site_snippets=[
                (key, snippet(base_url=build("/").rstrip("/"), token=key.token))
                for key in SiteKey.objects.filter(revoked_at=None).order_by("created_at")
            ],
        )
        return context
