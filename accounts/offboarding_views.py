"""Pages of a client's offboarding: export the workspace, delete it, delete one's own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.generic import FormView, TemplateView, View

from accounts import offboarding
from accounts.access import WorkspaceViewMixin
from accounts.forms import AccountDeleteForm, WorkspaceDeleteForm
from accounts.models import AgencyRole, WorkspaceExport
from accounts.roles import Can
from accounts.selectors import agency_role_for


class WorkspaceExportView(WorkspaceViewMixin, TemplateView):
    """The workspace's exports with their progress; POST starts a new one."""

    template_name = "accounts/workspace_export.html"
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        exports = list(WorkspaceExport.objects.select_related("requested_by").order_by("-created_at")[:10])
        context["exports"] = exports
        context["in_progress"] = any(e.status in (e.Status.QUEUED, e.Status.RUNNING) for e in exports)
        context["lifetime_hours"] = int(offboarding.EXPORT_LIFETIME.total_seconds() // 3600)
        return context

    def post(self, request, *args, **kwargs):
        offboarding.export_start(workspace=self.workspace, user=request.user)
        messages.success(request, "Export started: this page shows its progress.")
        return redirect("workspace-export", workspace_slug=self.workspace.slug)


class WorkspaceExportDownloadView(WorkspaceViewMixin, View):
    """The ZIP, for the workspace's admins, until the link expires (410 after, and the file is deleted)."""

    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get(self, request, *args, **kwargs):
        export = WorkspaceExport.objects.filter(pk=kwargs["export_id"]).first()
        if export is None:
            raise Http404("No such export.")
        if not export.is_downloadable:
            offboarding.export_forget(export)
            context = {"workspace": self.workspace, "export": export}
            return render(request, "accounts/workspace_export_gone.html", context, status=410)
        response = FileResponse(
            default_storage.open(export.file_name, "rb"),
            as_attachment=True,
            filename=f"{self.workspace.slug}-export-{export.pk}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "no-store"
        return response


class WorkspaceDeleteView(WorkspaceViewMixin, FormView):
    """An agency owner deletes a client workspace, after typing its name."""

    template_name = "accounts/workspace_delete.html"
    form_class = WorkspaceDeleteForm
    read_capability = Can.VIEW
    write_capability = Can.VIEW

    def _require_owner(self) -> None:
        if agency_role_for(user=self.request.user, agency=self.workspace.agency) != AgencyRole.OWNER:
            raise PermissionDenied("Only the agency's owner can delete a client workspace.")

    def get(self, request, *args, **kwargs):
        self._require_owner()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._require_owner()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workspace": self.workspace}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        offboarding.workspace_delete_start(workspace=self.workspace, user=self.request.user)
        messages.success(self.request, f"“{self.workspace.name}” is being deleted; it no longer appears anywhere.")
        return redirect("home")


class AccountDeleteView(LoginRequiredMixin, FormView):
    """A person deletes their own account, after confirming their password."""

    template_name = "accounts/account_delete.html"
    form_class = AccountDeleteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sole_owner_of"] = offboarding.agencies_only_owned_by(self.request.user)
        return context

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        user = self.request.user
        try:
            offboarding.account_delete(user=user)
        except offboarding.OnlyOwner as refusal:
            form.add_error(
                None,
                f"You are the only owner of {', '.join(refusal.agencies)}: make someone else an owner "
                "(or delete the agency's workspaces and hand it over) before deleting your account.",
            )
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, "Your account has been deleted.")
        return redirect("login")
