"""Pages of sign-in (with SSO buttons and the second factor) and of the agency's second-factor rule."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from allauth.socialaccount.providers.openid_connect.views import login as oidc_login
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView, View

from accounts import services
from accounts.access import AgencyViewMixin, refuse_other_agency_on_its_host
from accounts.forms import EmailAuthenticationForm
from accounts.models import AgencyRole
from accounts.second_factor import agencies_requiring_second_factor, has_second_factor
from accounts.sso import remember_invitation, sso_buttons


class LoginView(auth_views.LoginView):
    """The password login; an account with a second factor is then asked for it (allauth's stage)."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(sso_buttons=sso_buttons(), **kwargs)

    def form_valid(self, form):
        # allauth's login flow: django's login() at once, or after the code or passkey if the user has one.
        # The record lets allauth's pages that ask for a recent sign-in (adding a factor) accept this one.
        user = form.get_user()
        record_authentication(self.request, user, method="password", email=user.email)
        return perform_login(self.request, user, redirect_url=self.get_success_url())


class InvitationSsoView(View):
    """ "Accept with Google/Microsoft" on an invitation's page: remember it, then go to the provider."""

    http_method_names = ["post"]

    def post(self, request, token: str, provider_id: str):
        invitation = services.invitation_by_token(token)
        if invitation is None or provider_id not in {b["id"] for b in sso_buttons()}:
            raise Http404("No such invitation or sign-in provider.")
        refuse_other_agency_on_its_host(request, invitation.agency_id)
        if not invitation.is_pending:
            return redirect("invitation-accept", token=token)
        remember_invitation(request, invitation, token)
        return oidc_login(request, provider_id)


class SecondFactorRequiredView(LoginRequiredMixin, TemplateView):
    """Where staff who owe their agency a second factor are sent, with the ways to set one up."""

    template_name = "accounts/second_factor_required.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            agencies=agencies_requiring_second_factor(user), has_second_factor=has_second_factor(user), **kwargs
        )


class AgencySecurityForm(forms.Form):
    require_second_factor = forms.BooleanField(
        label="Require a second factor (authenticator app or passkey) of every staff member",
        required=False,
    )


class AgencySecurityView(AgencyViewMixin, FormView):
    """The owner's setting: staff must sign in with a second factor."""

    template_name = "accounts/agency_security.html"
    form_class = AgencySecurityForm

    def get_initial(self):
        return {"require_second_factor": self.agency.require_second_factor}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            is_owner=self.agency_role == AgencyRole.OWNER,
            owner_has_second_factor=has_second_factor(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        if self.agency_role != AgencyRole.OWNER:
            raise PermissionDenied("Only the agency's owner can change who must use a second factor.")
        required = form.cleaned_data["require_second_factor"]
        if required and not has_second_factor(self.request.user):
            form.add_error(
                "require_second_factor",
                "Set up your own second factor first (Two-factor authentication below): "
                "otherwise you would be locked out of the agency's pages yourself.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=400)
        self.agency.require_second_factor = required
        self.agency.save(update_fields=["require_second_factor"])
        if required:
            messages.success(self.request, "Staff without a second factor must now set one up before anything else.")
        else:
            messages.success(self.request, "A second factor is no longer required of staff.")
        return redirect("agency-security", agency_slug=self.agency.slug)
