"""The audit log's pages: an agency's whole log and one workspace's, filtered, paged, exported as CSV.

The agency page is for the agency's owner and admins (every entry of the agency, its
workspaces' included: a deliberate cross-workspace read under `rls_bypass`, filtered by
the agency); the workspace page for the workspace's admins (its own entries, read with
the workspace in scope like any of its data).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts import audit
from accounts.access import AgencyViewMixin, WorkspaceViewMixin
from accounts.csv_cells import SafeWriter
from accounts.models import AuditAction, AuditEntry
from accounts.rls import rls_bypass
from accounts.roles import Can
from accounts.tenancy import workspace_scope

PAGE_SIZE = 50
CSV_CHUNK = 2000
CSV_COLUMNS = (
    "time_utc",
    "actor_email",
    "action",
    "workspace",
    "target_type",
    "target_id",
    "target_label",
    "ip_address",
    "user_agent",
    "details",
)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[("", "All actions"), *AuditAction.choices])
    person = forms.CharField(required=False, max_length=254, label="Person (email contains)")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries the filters keep; dates are whole days in the current time zone, both ends included."""
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("person"):
            entries = entries.filter(actor_email__icontains=data["person"].strip())
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            next_day = data["date_to"] + timedelta(days=1)
            entries = entries.filter(created_at__lt=datetime.combine(next_day, time.min, zone))
        return entries


def _csv_rows(entries: QuerySet[AuditEntry], reading: Callable[[], AbstractContextManager]) -> Iterator[str]:
    """The CSV text, read newest first in keyset chunks, each inside `reading()` (the view's scope is gone)."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    last_id = None
    while True:
        with reading():
            chunk = entries if last_id is None else entries.filter(pk__lt=last_id)
            rows = list(chunk.select_related("workspace").order_by("-pk")[:CSV_CHUNK])
        for entry in rows:
            writer.writerow(
                [
                    entry.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                    entry.actor_email,
                    entry.action,
                    entry.workspace.slug if entry.workspace else "",
                    entry.target_type,
                    entry.target_id,
                    entry.target_label,
                    entry.ip_address,
                    entry.user_agent,
                    _details_text(entry.details),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < CSV_CHUNK:
            return
        last_id = rows[-1].pk


def _details_text(details: dict) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False) if details else ""


class AuditLogMixin:
    template_name = "accounts/audit_log.html"

    def entries(self) -> QuerySet[AuditEntry]:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager:
        raise NotImplementedError

    def csv_name(self) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.form = AuditFilterForm(request.GET or None)
        valid = self.form.is_valid() if request.GET else True
        if not valid:
            return self.render_to_response(self.get_context_data(), status=400)
        entries = self.form.apply(self.entries()) if request.GET else self.entries()
        if request.GET.get("export") == "csv":
            response = StreamingHttpResponse(_csv_rows(entries, self.reading), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{self.csv_name()}"'
            return response
        with self.reading():
            self.page = Paginator(
                entries.select_related("workspace").order_by("-created_at", "-pk"), PAGE_SIZE
            ).get_page(request.GET.get("page"))
            # Read here: the template renders after the view returns, outside the scope (under row-level
            # security it would read nothing).
            self.page.object_list = list(self.page.object_list)
            return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        query = params.urlencode()
        context.update(
            form=self.form,
            page=getattr(self, "page", None),
            page_query=query,
            export_query=f"{query}&export=csv" if query else "export=csv",
        )
        return context


class AgencyAuditView(AuditLogMixin, AgencyViewMixin, TemplateView):
    """/agency/<slug>/audit/: the agency's owner and admins."""

    def entries(self) -> QuerySet[AuditEntry]:
        return audit.entries_of_agency(self.agency)

    def reading(self) -> AbstractContextManager:
        return rls_bypass()  # every workspace of this agency (the query filters by the agency)

    def csv_name(self) -> str:
        return f"audit-{self.agency.slug}.csv"

    def get_context_data(self, **kwargs):
        return super().get_context_data(scope_name=self.agency.name, agency_wide=True, **kwargs)


class WorkspaceAuditView(AuditLogMixin, WorkspaceViewMixin, TemplateView):
    """/w/<slug>/audit/: the workspace's admins (agency owners and admins are admins of every workspace)."""

    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["get", "head"]

    def entries(self) -> QuerySet[AuditEntry]:
        return audit.entries_of_workspace(self.workspace)

    def reading(self) -> AbstractContextManager:
        return workspace_scope(self.workspace)

    def csv_name(self) -> str:
        return f"audit-{self.workspace.slug}.csv"

    def get_context_data(self, **kwargs):
        return super().get_context_data(scope_name=self.workspace.name, agency_wide=False, **kwargs)
