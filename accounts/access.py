"""Page views that act inside one workspace or one agency.

The workspace is resolved once from the URL, for the signed-in user only (a
404 when it is missing or not theirs), put in scope for the whole view and
its template rendering, and checked against the capability the view needs.
Times on its pages are shown in the workspace's time zone, the zone its KPI
days are counted in (Django's `date` filter and `kpi_dates` both follow it).
A page that only reads runs its queries in one transaction (`workspace_reads`).
"""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.formatting import number_locale
from accounts.roles import Can, agency_can_manage, workspace_capabilities
from accounts.selectors import agency_access_or_404, workspace_access_or_404
from accounts.tenancy import workspace_reads, workspace_scope

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def refuse_other_agency_on_its_host(request, agency_id: int) -> None:
    """On an agency's own host name nothing of another agency exists (a 404, as for another tenant)."""
    host_agency = getattr(request, "host_agency", None)
    if host_agency is not None and host_agency.agency_id != agency_id:
        raise Http404("No such page on this host.")


class WorkspaceViewMixin(AccessMixin):
    """`read_capability` for safe methods, `write_capability` for the others.

    `dispatch` finds the workspace and the role from the signed-in user; `dispatch_in_workspace`
    runs the view inside it (a share link's pages enter it with the link as the credential).
    """

    read_capability: Can = Can.VIEW
    write_capability: Can = Can.EDIT_DATA

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.workspace, self.role = workspace_access_or_404(user=request.user, slug=kwargs["workspace_slug"])
        return self.dispatch_in_workspace(request, *args, **kwargs)

    def dispatch_in_workspace(self, request, *args, **kwargs):
        """The view, with `self.workspace` in scope, its locale and zone, checked against `self.role`."""
        refuse_other_agency_on_its_host(request, self.workspace.agency_id)
        request.brand_workspace = self.workspace
        self.capabilities = workspace_capabilities(self.role)
        reading = request.method in SAFE_METHODS
        if (self.read_capability if reading else self.write_capability) not in self.capabilities:
            raise PermissionDenied("Your role in this workspace does not allow that.")
        scope = workspace_reads if reading else workspace_scope
        with scope(self.workspace), number_locale(self.workspace.number_locale), timezone.override(self.workspace.tz):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(workspace=self.workspace, role=self.role, can={c.value: True for c in self.capabilities})
        return context


class AgencyViewMixin(LoginRequiredMixin):
    """Agency-level pages; only the agency's owner and admins may manage."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.agency, self.agency_role = agency_access_or_404(user=request.user, slug=kwargs["agency_slug"])
        refuse_other_agency_on_its_host(request, self.agency.pk)
        request.brand_agency = self.agency
        if not agency_can_manage(self.agency_role):
            raise PermissionDenied("Only the agency's owner and admins can do that.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(agency=self.agency, agency_role=self.agency_role)
        return context
