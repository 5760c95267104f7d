"""Data pages under /w/<workspace>/data/: browse campaigns, accounts, leads and deals, export them, import CSV.

Views are thin: they read a form, call one selector, service or import step,
and shape the page. Browsing and export need VIEW; importing and the bulk
target-list change need EDIT_DATA (a viewer gets 403, another tenant 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from campaigns import exports, forms, import_presets, import_undo, imports, mappings, selectors, uploads
from campaigns.models import ImportJob, ImportMapping
from campaigns.resources import RESOURCES, DataResource, label_of
from campaigns.target_list import account_target_set

PAGE_SIZE = 25
DESCENDING_FIRST = frozenset(
    {"created", "closed", "updated", "amount", "mrr", "budget", "employees", "mql", "sql", "sqo"}
)


# ---------------------------------------------------------------- overview


class DataPageMixin(WorkspaceViewMixin):
    data_section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data_section"] = self.data_section
        return context


class DataHomeView(DataPageMixin, TemplateView):
    template_name = "campaigns/data_home.html"
    data_section = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The resources with a list page first, each group in the registry's order.
        shown = sorted(RESOURCES.values(), key=lambda r: r.browse_url is None)
        context.update(
            sections=[(r.name, r.title, r.list_query().count(), r.browse_url) for r in shown],
            imports=selectors.import_job_recent(limit=10),
        )
        return context


# ---------------------------------------------------------------- lists


@dataclass(frozen=True)
class SortLink:
    url: str
    active: bool
    descending: bool


class DataListView(DataPageMixin, TemplateView):
    """A filtered, searched, sorted, paginated list with a CSV export of the same rows."""

    resource: DataResource
    form_class: type[forms.ListFilterForm]
    # The selector reading the rows (a staticmethod): the form's fields but `sort` are its keyword arguments.
    browse: Callable[..., QuerySet]
    # sort key in the URL → model field
    sorts: dict[str, str]
    default_sort: str
    search_placeholder = ""

    @property
    def resource_name(self) -> str:
        return self.resource.name

    @property
    def title(self) -> str:
        return self.resource.title

    @property
    def singular(self) -> str:
        return self.resource.singular

    def get(self, request, *args, **kwargs):
        self.form = self.form_class(request.GET)
        self.form.is_valid()
        self.filters = {k: v for k, v in getattr(self.form, "cleaned_data", {}).items() if v not in (None, "")}
        self.sort_key, self.descending = self.parse_sort(request.GET.get("sort", ""))
        if request.GET.get("export") == "csv":
            return exports.stream_csv(
                workspace=self.workspace,
                resource=self.resource,
                queryset=self.rows(),
                sort_field=self.sorts[self.sort_key],
                descending=self.descending,
                filename=f"{self.workspace.slug}_{self.resource_name}.csv",
            )
        return super().get(request, *args, **kwargs)

    def parse_sort(self, value: str) -> tuple[str, bool]:
        key = value.lstrip("-")
        if key not in self.sorts:
            value = self.default_sort
            key = value.lstrip("-")
        return key, value.startswith("-")

    def rows(self) -> QuerySet:
        return self.browse(**{k: v for k, v in self.filters.items() if k != "sort"})

    def query(self, **overrides) -> str:
        params = self.request.GET.copy()
        for name in ("page", "export", *overrides):
            params.pop(name, None)
        for name, value in overrides.items():
            if value not in (None, ""):
                params[name] = value
        return params.urlencode()

    def sort_links(self) -> dict[str, SortLink]:
        links = {}
        for key in self.sorts:
            active = key == self.sort_key
            # The current column flips; another starts with its natural direction (newest, biggest first).
            descending = not self.descending if active else key in DESCENDING_FIRST
            target = f"-{key}" if descending else key
            links[key] = SortLink(url=f"?{self.query(sort=target)}", active=active, descending=self.descending)
        return links

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = self.rows().order_by(*exports.ordering(self.sorts[self.sort_key], self.descending))
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        filtered = bool(self.filters.keys() - {"sort"})
        context.update(
            title=self.title,
            noun=self.singular if page.paginator.count == 1 else self.title.lower(),
            data_section=self.resource_name,
            search_placeholder=self.search_placeholder,
            resource=self.resource_name,
            form=self.form,
            page=page,
            page_query=self.query(),
            export_query=self.query(export="csv"),
            sort=self.sort_links(),
            filtered=filtered,
            can_edit=Can.EDIT_DATA in self.capabilities,
        )
        return context


class CampaignListView(DataListView):
    template_name = "campaigns/campaign_list.html"
    resource = RESOURCES["campaigns"]
    form_class = forms.CampaignFilterForm
    browse = staticmethod(selectors.campaign_browse)
    sorts = {
        "name": "name",
        "channel": "channel",
        "starts_on": "starts_on",
        "ends_on": "ends_on",
        "budget": "budget",
        "updated": "updated_at",
    }
    default_sort = "name"
    search_placeholder = "Name or external id"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(c, c.get_channel_display()) for c in context["page"]]
        return context


class AccountListView(DataListView):
    """The account list, and the ABM target list: ticked accounts added to it or removed from it in bulk."""

    template_name = "campaigns/account_list.html"
    resource = RESOURCES["accounts"]
    form_class = forms.AccountFilterForm
    browse = staticmethod(selectors.account_browse)
    sorts = {
        "name": "name",
        "domain": "domain",
        "industry": "industry",
        "employees": "employees",
        "updated": "updated_at",
    }
    default_sort = "name"
    search_placeholder = "Name, domain or external id"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            target_count=selectors.account_target_count(),
            industries=selectors.account_industries(),
            next_url=self.request.get_full_path(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.TargetListForm(request.POST)
        back = request.POST.get("next") or ""
        if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("data-accounts", args=[self.workspace.slug])
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        adding = form.cleaned_data["action"] == "add"
        changed = account_target_set(
            workspace=self.workspace, account_ids=form.cleaned_data["accounts"], is_target=adding
        )
        selected = len(form.cleaned_data["accounts"])
        verb = "added to" if adding else "removed from"
        note = "" if changed == selected else f" ({selected - changed} already {'on' if adding else 'off'} it)"
        messages.success(request, f"{changed} account{'s' if changed != 1 else ''} {verb} the target list{note}.")
        return redirect(back)


class LeadListView(DataListView):
    template_name = "campaigns/lead_list.html"
    resource = RESOURCES["leads"]
    form_class = forms.LeadFilterForm
    browse = staticmethod(selectors.lead_browse)
    sorts = {"created": "created_at", "email": "email", "mql": "mql_at", "sql": "sql_at", "sqo": "sqo_at"}
    default_sort = "-created"
    search_placeholder = "Email, external id or account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaign_choices"] = _campaign_choices()
        return context


class DealListView(DataListView):
    template_name = "campaigns/deal_list.html"
    resource = RESOURCES["deals"]
    form_class = forms.DealFilterForm
    browse = staticmethod(selectors.deal_browse)
    sorts = {"created": "created_at", "closed": "closed_at", "amount": "amount", "mrr": "mrr", "name": "name"}
    default_sort = "-created"
    search_placeholder = "Deal name, external id or account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaign_choices"] = _campaign_choices()
        return context


def _campaign_choices() -> list[tuple[str, str]]:
    return selectors.campaign_choices(limit=500)


# ---------------------------------------------------------------- CSV import


class ImportMixin(DataPageMixin):
    data_section = "import"
    read_capability = Can.EDIT_DATA
    write_capability = Can.EDIT_DATA


class ImportUploadView(ImportMixin, TemplateView):
    template_name = "campaigns/import_upload.html"

    @method_decorator(csrf_exempt)  # the middleware would read the body first: the check runs below instead
    def dispatch(self, request, *args, **kwargs):
        # Before anything reads the body: an oversized file is refused without being stored.
        self.size_limit = uploads.UploadSizeLimit(request, imports.MAX_UPLOAD_BYTES)
        request.upload_handlers.insert(0, self.size_limit)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resource = self.request.GET.get("resource")
        context.setdefault(
            "form",
            forms.UploadForm(initial={"resource": resource if resource in RESOURCES else "leads"}),
        )
        context.update(
            field_help=[(r.label, r.name, r.fields) for r in RESOURCES.values()],
            max_mb=imports.MAX_UPLOAD_BYTES // 1048576,
            preset_tools=", ".join(dict.fromkeys(p.tool for p in import_presets.available())),
            threshold=imports.ASYNC_THRESHOLD_ROWS,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.UploadForm(request.POST, request.FILES)
        if self.size_limit.refused_size is not None:
            form.is_valid()
            form.errors["file"] = form.error_class([imports.size_refusal(self.size_limit.refused_size)])
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = imports.job_create(
                    workspace=self.workspace,
                    user=request.user,
                    resource=form.cleaned_data["resource"],
                    filename=upload.name,
                    raw=upload.read(),
                )
            except imports.ImportRefused as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("data-import-job", self.workspace.slug, job.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportJobView(ImportMixin, TemplateView):
    """One import: the preview and column mapping, then its progress, then its outcome."""

    template_name = "campaigns/import_job.html"

    def dispatch_job(self, job_id: int) -> ImportJob:
        job = selectors.import_job_get(job_id=job_id)
        if job is None:
            raise Http404("No such import.")
        return job

    def get(self, request, *args, **kwargs):
        self.job = self.dispatch_job(kwargs["job_id"])
        return super().get(request, *args, **kwargs)

    def mapping_form(self, data=None) -> forms.MappingForm:
        job = self.job
        return forms.MappingForm(
            data, resource=job.resource, headers=job.headers, mapping=job.mapping, date_format=job.date_format
        )

    def post(self, request, *args, **kwargs):
        self.job = job = self.dispatch_job(kwargs["job_id"])
        if job.status not in (ImportJob.Status.DRAFT, ImportJob.Status.FAILED) or not job.content:
            return redirect("data-import-job", self.workspace.slug, job.pk)
        # The stages and campaign types chosen in the preview are workspace settings: kept even if the
        # import fails, so the next try (or file) needs no new choice.
        _remember_choices(request.POST)
        if "apply_preset" in request.POST:
            chosen = forms.PresetForm(request.POST, resource=job.resource)
            if chosen.is_valid():
                imports.job_use_preset(workspace=self.workspace, job=job, preset=chosen.cleaned_data["preset"])
                return redirect("data-import-job", self.workspace.slug, job.pk)
            return self.render_to_response(self.get_context_data(preset_form=chosen), status=400)
        form = self.mapping_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if request.POST.get("preview"):
            # Only show the preview with this mapping and date format; nothing is saved or imported.
            return self.render_to_response(self.get_context_data(form=form))
        queued = imports.job_start(
            workspace=self.workspace,
            job=job,
            mapping=form.cleaned_data["mapping"],
            date_format=form.cleaned_data["date_format"],
            create_campaigns=request.POST.get("create_campaigns") == "1",
        )
        if not queued:
            done = selectors.import_job_get(job_id=job.pk)
            if done is not None and done.status == ImportJob.Status.DONE:
                messages.success(request, _done_message(done))
        return redirect("data-import-job", self.workspace.slug, job.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        editable = job.status in (ImportJob.Status.DRAFT, ImportJob.Status.FAILED) and bool(job.content)
        if editable:
            form = kwargs.get("form") or self.mapping_form()
            mapping = job.mapping
            if form.is_bound:  # a mapping being tried: its preview is built for this answer only
                mapping = [form.data.get(f"col_{i}", "") for i in range(len(job.headers))]
                date_format = form.data.get("date_format", "")  # unchecked when the form is invalid
                if date_format not in imports.DATE_FORMATS:
                    date_format = ""
                preview = imports.preview(job, self.workspace, mapping, date_format)
            else:
                preview = imports.stored_preview(job, self.workspace)
            samples = [
                [cells[i]["value"] for _, cells in preview["rows"] if cells[i]["value"].strip()][:3]
                for i in range(len(job.headers))
            ]
            context.update(
                form=form,
                preset_form=kwargs.get("preset_form")
                or forms.PresetForm(initial={"preset": job.preset}, resource=job.resource),
                preview=preview,
                mapping_sections=_mapping_sections(self.workspace, job, mapping if form.is_bound else None),
                stage_choices=mappings.CHOICES[ImportMapping.Kind.STAGE],
                type_choices=mappings.CHOICES[ImportMapping.Kind.CAMPAIGN_TYPE],
                preview_rows=preview["rows"],
                ambiguous_columns=preview["ambiguous_columns"],
                columns=list(zip(job.headers, form.column_fields(), samples, strict=True)),
                fields=imports.resource_fields(job.resource),
            )
        context.update(
            job=job,
            editable=editable,
            resource_label=label_of(job.resource),
            delimiter_label={",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
                job.delimiter, job.delimiter
            ),
            percent=_percent(job),
            list_url=_list_url(self.workspace.slug, job.resource),
            done_message=_done_message(job) if job.status == ImportJob.Status.DONE else "",
            undoable=import_undo.undoable(job),
            undo_too_big=job.undo_log.get("too_big"),
            more_errors=max(job.error_count - len(job.errors), 0),
        )
        return context


class ImportStatusView(ImportMixin, View):
    """The progress of one import, as JSON, for the progress bar."""

    def get(self, request, *args, **kwargs):
        job = selectors.import_job_get(job_id=kwargs["job_id"])
        if job is None:
            raise Http404("No such import.")
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
                "total_rows": job.total_rows,
                "processed_rows": job.processed_rows,
                "percent": _percent(job),
                "created": job.created_count,
                "updated": job.updated_count,
                "error_count": job.error_count,
            },
            headers={"Cache-Control": "no-store"},
        )


def _percent(job: ImportJob) -> int:
    if job.status == ImportJob.Status.DONE:
        return 100
    if not job.total_rows:
        return 0
    return min(100, job.processed_rows * 100 // job.total_rows)


def _done_message(job: ImportJob) -> str:
    label = label_of(job.resource).lower()
    total = job.created_count + job.updated_count
    message = f"Imported {total:,} {label}: {job.created_count:,} new, {job.updated_count:,} updated."
    campaigns = len(job.undo_log.get("campaigns", []))
    if campaigns:
        message += f" {campaigns:,} new campaign{'s' if campaigns != 1 else ''} created first."
    if job.skipped_count:
        message += f" {job.skipped_count:,} row{'s' if job.skipped_count != 1 else ''} already imported, skipped."
    return message


def _mapping_sections(workspace, job: ImportJob, tried: list[str] | None) -> dict:
    """The preview's stages, types and campaigns to create: stored for the saved mapping, built for a tried one."""

    def rows():
        return imports.records(job.content, job.delimiter)

    if tried is None:
        return mappings.stored_sections(job, workspace, rows)
    return mappings.sections_as_stored(workspace, job.resource, job.headers, tried, rows, preset=job.preset)["sections"]


def _remember_choices(data) -> None:
    """Save the preview's choices: `stage:<value>` → a status, `type:<value>` → a channel (blank: not chosen)."""
    for kind, prefix in ((ImportMapping.Kind.STAGE, "stage:"), (ImportMapping.Kind.CAMPAIGN_TYPE, "type:")):
        choices = {}
        for name, target in data.items():
            if name.startswith(prefix) and target:
                label = data.get(f"label:{name}", "") or name.removeprefix(prefix)
                choices[mappings.normalise(name.removeprefix(prefix))] = (label, target)
        if choices:
            mappings.remember(kind=kind, choices=choices)


class ImportUndoView(ImportMixin, View):
    """Undo one committed import (POST): its created rows removed, its updated rows restored."""

    def post(self, request, *args, **kwargs):
        job = selectors.import_job_get(job_id=kwargs["job_id"])
        if job is None:
            raise Http404("No such import.")
        try:
            messages.success(request, import_undo.undo(workspace=self.workspace, job_id=job.pk, user=request.user))
        except import_undo.UndoRefused as exc:
            messages.error(request, str(exc))
        return redirect("data-import-job", self.workspace.slug, job.pk)


class ImportMappingsView(ImportMixin, TemplateView):
    """The workspace's remembered stages and campaign types: list, change, delete (editors and admins)."""

    template_name = "campaigns/import_mappings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = mappings.mapping_list()
        context.update(
            groups=[
                (kind, label, mappings.CHOICES[kind], [m for m in rows if m.kind == kind])
                for kind, label in ImportMapping.Kind.choices
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        mapping = mappings.mapping_get(mapping_id=_int(request.POST.get("mapping")))
        if mapping is None:
            raise Http404("No such mapping.")
        if request.POST.get("delete"):
            mapping.delete()
            messages.success(request, f"“{mapping.label}” is no longer mapped: the built-in default applies, if any.")
        else:
            target = request.POST.get("target", "")
            if target not in {value for value, _label in mappings.CHOICES[mapping.kind]}:
                messages.error(request, f"Choose one of the listed values for “{mapping.label}”.")
                return self.render_to_response(self.get_context_data(), status=400)
            mapping.target = target
            mapping.save(update_fields=["target", "updated_at"])
            messages.success(request, f"“{mapping.label}” now imports as {mapping.get_target_display()}.")
        return redirect("data-import-mappings", self.workspace.slug)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


def _list_url(slug: str, resource: str) -> str | None:
    url_name = getattr(RESOURCES.get(resource), "browse_url", None)
    return None if url_name is None else reverse(url_name, args=[slug])
