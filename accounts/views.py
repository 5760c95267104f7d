"""Browser pages for signing up, people, workspaces and API keys."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View

from accounts import services, view_state
from accounts.access import AgencyViewMixin, WorkspaceViewMixin, refuse_other_agency_on_its_host
from accounts.brand_forms import AgencyBrandForm, WorkspaceLogoForm
from accounts.forms import (
    AGENCY_INVITE_ROLES,
    WORKSPACE_INVITE_ROLES,
    AcceptInvitationForm,
    AgencySignupForm,
    ApiKeyCreateForm,
    InviteForm,
    RoleForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
)
from accounts.logos import LOGO_DIR
from accounts.models import AgencyMembership, ApiKey, Invitation, Workspace, WorkspaceMembership
from accounts.roles import AGENCY_MANAGERS, Can
from accounts.selectors import agencies_for_user, api_key_list, workspaces_for_user
from accounts.settings_changes import record_settings_change, settings_snapshot, workspace_settings_changed
from accounts.sso import sso_buttons

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


class HomeView(LoginRequiredMixin, TemplateView):
    """Every workspace the user reaches, grouped by agency."""

    template_name = "accounts/home.html"

    def get(self, request, *args, **kwargs):
        only = self.only_workspace()
        if only is not None:  # a client's marketer with one workspace lands on it, keeping the URL's range
            query = view_state.carry_query(request.GET, across_workspaces=True)
            return redirect(reverse("workspace-home", args=[only.slug]) + (f"?{query}" if query else ""))
        return super().get(request, *args, **kwargs)

    def only_workspace(self):
        """The one workspace of a person outside any agency's staff who reaches exactly one, else None."""
        user = self.request.user
        if AgencyMembership.objects.filter(user=user).exists():
            return None
        workspaces = workspaces_for_user(user=user)
        host_agency = getattr(self.request, "host_agency", None)
        if host_agency is not None:
            workspaces = workspaces.filter(agency_id=host_agency.agency_id)
        first_two = list(workspaces[:2])
        return first_two[0] if len(first_two) == 1 else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        workspaces = workspaces_for_user(user=user)
        managed = agencies_for_user(user=user).filter(memberships__user=user, memberships__role__in=AGENCY_MANAGERS)
        host_agency = getattr(self.request, "host_agency", None)
        if host_agency is not None:  # on an agency's own host, only that agency's clients
            workspaces = workspaces.filter(agency_id=host_agency.agency_id)
            managed = managed.filter(pk=host_agency.agency_id)
        context["workspaces"] = workspaces = list(workspaces)
        context["managed_agencies"] = managed
        agencies = {ws.agency for ws in workspaces}
        if len(agencies) == 1:  # a client of one agency sees that agency's brand
            self.request.brand_agency = agencies.pop()
        return context


class SignupView(FormView):
    template_name = "accounts/signup.html"
    form_class = AgencySignupForm

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "host_agency", None) is not None:
            raise Http404("An agency's own host serves its clients; new agencies sign up on the product's.")
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(sso_buttons=sso_buttons(), **kwargs)

    def form_valid(self, form):
        user, agency = services.agency_signup(
            agency_name=form.cleaned_data["agency_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
        )
        login(self.request, user, backend=AUTH_BACKEND)
        messages.success(self.request, f"Welcome! {agency.name} is ready: create a workspace for your first client.")
        return redirect("workspace-create")


class WorkspaceCreateView(LoginRequiredMixin, FormView):
    template_name = "accounts/workspace_create.html"
    form_class = WorkspaceCreateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            managed = agencies_for_user(user=request.user).filter(
                memberships__user=request.user, memberships__role__in=AGENCY_MANAGERS
            )
            host_agency = getattr(request, "host_agency", None)
            if host_agency is not None:  # on an agency's own host, a workspace can only be that agency's
                managed = managed.filter(pk=host_agency.agency_id)
            self.agencies = list(managed)
            if not self.agencies:
                raise PermissionDenied("Only an agency's owner or admins can create workspaces.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agencies=self.agencies, **kwargs)

    def form_valid(self, form):
        chosen = self.request.POST.get("agency")
        agency = next((a for a in self.agencies if str(a.pk) == chosen), self.agencies[0])
        workspace = services.workspace_create(agency=agency, **form.cleaned_data)
        messages.success(
            self.request, f"Workspace “{workspace.name}” created. Next: invite people or create an API key."
        )
        return redirect("workspace-home", workspace_slug=workspace.slug)


class WorkspaceSettingsView(WorkspaceViewMixin, FormView):
    template_name = "accounts/workspace_settings.html"
    form_class = WorkspaceSettingsForm
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.workspace}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("logo_form", WorkspaceLogoForm())
        return context

    def form_valid(self, form):
        with transaction.atomic():
            before = settings_snapshot(Workspace.objects.get(pk=self.workspace.pk))  # the form changed the instance
            form.save()
            workspace_settings_changed(workspace=self.workspace, fields=form.changed_data)
            record_settings_change(workspace=self.workspace, before=before)
        messages.success(self.request, "Settings saved.")
        return redirect("workspace-settings", workspace_slug=self.workspace.slug)


class WorkspaceLogoView(WorkspaceSettingsView):
    """The client's own logo, shown instead of the agency's on this workspace's pages and reports."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        logo_form = WorkspaceLogoForm(request.POST, request.FILES)
        if not logo_form.is_valid():
            context = self.get_context_data(form=WorkspaceSettingsForm(instance=self.workspace), logo_form=logo_form)
            return self.render_to_response(context, status=400)
        services.brand_logo_set(
            owner=self.workspace, logo=logo_form.cleaned_data["logo"], remove=logo_form.cleaned_data["remove_logo"]
        )
        messages.success(request, "Logo removed." if logo_form.cleaned_data["logo"] is None else "Logo saved.")
        return redirect("workspace-settings", workspace_slug=self.workspace.slug)


class WorkspaceMembersView(WorkspaceViewMixin, TemplateView):
    """People with access: client members (editable) and agency staff (through the agency)."""

    template_name = "accounts/workspace_members.html"
    read_capability = Can.VIEW
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = WorkspaceMembership.objects.filter(workspace=self.workspace).select_related("user")
        context["staff"] = AgencyMembership.objects.filter(agency=self.workspace.agency).select_related("user")
        context["invitations"] = [
            i
            for i in Invitation.objects.filter(workspace=self.workspace, accepted_at=None, revoked_at=None)
            if i.is_pending
        ]
        context["role_choices"] = WORKSPACE_INVITE_ROLES
        context.setdefault("form", InviteForm(roles=WORKSPACE_INVITE_ROLES, initial={"role": "viewer"}))
        return context

    def post(self, request, *args, **kwargs):
        form = InviteForm(request.POST, roles=WORKSPACE_INVITE_ROLES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        services.invitation_create(
            agency=self.workspace.agency,
            workspace=self.workspace,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("workspace-members", workspace_slug=self.workspace.slug)


class WorkspaceMemberUpdateView(WorkspaceViewMixin, View):
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, membership_id: int):
        membership = get_object_or_404(WorkspaceMembership, pk=membership_id, workspace=self.workspace)
        if request.POST.get("action") == "remove":
            services.workspace_membership_remove(membership=membership)
            messages.success(request, f"{membership.user} no longer has access.")
        else:
            form = RoleForm(request.POST, roles=WORKSPACE_INVITE_ROLES)
            if form.is_valid():
                services.workspace_membership_set_role(membership=membership, role=form.cleaned_data["role"])
                messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
            else:
                messages.error(request, "Choose a valid role.")
        return redirect("workspace-members", workspace_slug=self.workspace.slug)


class WorkspaceInvitationRevokeView(WorkspaceViewMixin, View):
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, invitation_id: int):
        invitation = get_object_or_404(Invitation, pk=invitation_id, workspace=self.workspace)
        services.invitation_revoke(invitation=invitation)
        messages.success(request, f"Invitation to {invitation.email} revoked.")
        return redirect("workspace-members", workspace_slug=self.workspace.slug)


class ApiKeysView(WorkspaceViewMixin, TemplateView):
    template_name = "accounts/api_keys.html"
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = api_key_list(workspace=self.workspace)
        context.setdefault("form", ApiKeyCreateForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ApiKeyCreateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        key, raw_key = services.api_key_create(
            workspace=self.workspace, name=form.cleaned_data["name"], created_by=request.user
        )
        response = self.render_to_response(self.get_context_data(new_key=raw_key, new_key_obj=key))
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyRevokeView(WorkspaceViewMixin, View):
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, key_id: int):
        key = get_object_or_404(ApiKey, pk=key_id)
        services.api_key_revoke(key=key)
        messages.success(request, f"Key “{key.name}” revoked: it stops working immediately.")
        return redirect("api-keys", workspace_slug=self.workspace.slug)


class AgencyMembersView(AgencyViewMixin, TemplateView):
    template_name = "accounts/agency_members.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = AgencyMembership.objects.filter(agency=self.agency).select_related("user")
        context["invitations"] = [
            i
            for i in Invitation.objects.filter(agency=self.agency, workspace=None, accepted_at=None, revoked_at=None)
            if i.is_pending
        ]
        context["workspaces"] = self.agency.workspaces.annotate(n_members=Count("memberships")).order_by("name")
        context["role_choices"] = AGENCY_INVITE_ROLES
        context.setdefault("form", InviteForm(roles=AGENCY_INVITE_ROLES, initial={"role": "member"}))
        return context

    def post(self, request, *args, **kwargs):
        form = InviteForm(request.POST, roles=AGENCY_INVITE_ROLES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        services.invitation_create(
            agency=self.agency,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("agency-members", agency_slug=self.agency.slug)


class AgencyBrandView(AgencyViewMixin, FormView):
    """The agency's white label: name, logo, colours, email sender, own host name."""

    template_name = "accounts/agency_brand.html"
    form_class = AgencyBrandForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.agency}

    def form_invalid(self, form):
        # The model form wrote the refused values onto the agency: the page shows the saved brand.
        self.agency.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        services.agency_brand_update(form=form, agency=self.agency)
        messages.success(self.request, "Brand saved.")
        return redirect("agency-brand", agency_slug=self.agency.slug)


class AgencyMemberUpdateView(AgencyViewMixin, View):
    http_method_names = ["post"]

    def post(self, request, agency_slug: str, membership_id: int):
        membership = get_object_or_404(AgencyMembership, pk=membership_id, agency=self.agency)
        try:
            if request.POST.get("action") == "remove":
                services.agency_membership_remove(membership=membership)
                messages.success(request, f"{membership.user} was removed from {self.agency.name}.")
            else:
                form = RoleForm(request.POST, roles=AGENCY_INVITE_ROLES)
                if not form.is_valid():
                    raise ValueError("Choose a valid role.")
                services.agency_membership_set_role(membership=membership, role=form.cleaned_data["role"])
                messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
        except ValueError as error:
            messages.error(request, str(error))
        return redirect("agency-members", agency_slug=self.agency.slug)


class AgencyInvitationRevokeView(AgencyViewMixin, View):
    http_method_names = ["post"]

    def post(self, request, agency_slug: str, invitation_id: int):
        invitation = get_object_or_404(Invitation, pk=invitation_id, agency=self.agency, workspace=None)
        services.invitation_revoke(invitation=invitation)
        messages.success(request, f"Invitation to {invitation.email} revoked.")
        return redirect("agency-members", agency_slug=self.agency.slug)


class InvitationAcceptView(TemplateView):
    """Accepting links an existing account (signed in as the invited email) or creates one."""

    template_name = "accounts/invitation_accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.invitation_by_token(kwargs["token"])
        if self.invitation is None:
            raise Http404("No such invitation.")
        refuse_other_agency_on_its_host(request, self.invitation.agency_id)
        # The invited person meets the brand they are invited under (the email's).
        request.brand_workspace = self.invitation.workspace
        request.brand_agency = self.invitation.agency
        return super().dispatch(request, *args, **kwargs)

    def _existing_user(self):
        from accounts.models import User

        return User.objects.filter(email__iexact=self.invitation.email).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            invitation=self.invitation,
            existing_user=self._existing_user(),
            signed_in_as_invitee=user.is_authenticated and user.email.lower() == self.invitation.email,
            login_url=f"{reverse('login')}?next={self.request.path}",
            sso_buttons=sso_buttons(),
            invitation_token=self.kwargs["token"],
        )
        if not context["existing_user"]:
            context.setdefault("form", AcceptInvitationForm(email=self.invitation.email))
        return context

    def post(self, request, *args, **kwargs):
        if not self.invitation.is_pending:
            return self.render_to_response(self.get_context_data(), status=410)
        user = request.user
        if user.is_authenticated and user.email.lower() != self.invitation.email:
            return self.render_to_response(self.get_context_data(), status=403)
        if user.is_authenticated:
            services.invitation_accept(invitation=self.invitation, user=user)
        elif self._existing_user():
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        else:
            form = AcceptInvitationForm(request.POST, email=self.invitation.email)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form), status=400)
            user = services.invitation_accept_as_new_user(
                invitation=self.invitation,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
            login(request, user, backend=AUTH_BACKEND)
        messages.success(request, f"Welcome to {self.invitation.target_name}.")
        if self.invitation.workspace_id:
            return redirect("workspace-home", workspace_slug=self.invitation.workspace.slug)
        return redirect("home")


def brand_logo_file(request, name: str):
    """An uploaded logo, from the storage (for local files when no web server serves MEDIA_URL)."""
    path = f"{LOGO_DIR}/{name}"
    if not default_storage.exists(path):
        raise Http404("No such logo.")
    response = FileResponse(default_storage.open(path), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: the site's own 403 page, saying what happened and what to do (nothing was saved)."""
    return render(request, "403_csrf.html", {"no_cookie": reason == REASON_NO_CSRF_COOKIE}, status=403)
