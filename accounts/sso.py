"""Single sign-on with Google and Microsoft (django-allauth's OpenID Connect provider).

Who may come in through SSO follows the password flows:
- an identity whose email belongs to an account signs in to it (the provider vouches for the email);
- an unknown identity may create a new agency, as /signup/ allows, only on the product's own host;
- an invitation followed by "Accept with Google/Microsoft" joins its workspace or agency with its role,
  and only an identity with the invitation's email may accept it.
"""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.forms import SignupForm
from allauth.socialaccount.models import SocialLogin
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, User

INVITATION_SESSION_KEY = "sso_invitation"
# Providers configured for one organisation's directory (settings: MICROSOFT_TENANT_ID), whose emails are trusted.
TENANT_PROVIDERS = {"microsoft"}


def sso_buttons() -> list[dict[str, str]]:
    """The configured providers, as the name and sign-in URL of each button (none when unset)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return [
        {
            "id": app["provider_id"],
            "name": app["name"],
            "url": reverse("openid_connect_login", kwargs={"provider_id": app["provider_id"]}),
        }
        for app in apps
    ]


def remember_invitation(request: HttpRequest, invitation: Invitation, token: str) -> None:
    """The invitation an SSO sign-in started from its page is about (read back after the provider)."""
    request.session[INVITATION_SESSION_KEY] = {"id": invitation.pk, "token": token}


def _pending_invitation(request: HttpRequest) -> tuple[Invitation, str] | None:
    remembered = request.session.get(INVITATION_SESSION_KEY)
    if not remembered:
        return None
    invitation = Invitation.objects.select_related("agency", "workspace").filter(pk=remembered["id"]).first()
    return (invitation, remembered["token"]) if invitation is not None else None


def _identity_email(sociallogin: SocialLogin) -> str:
    """The identity's email, only if its provider vouches for it."""
    for address in sociallogin.email_addresses:
        if address.verified and address.email:
            return address.email.lower()
    return ""


def _signed_in_recently(request: HttpRequest | None) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return any(time.time() - record.get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT for record in records)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # allauth's own e-mail sign-up form is never used: /signup/ and invitations create accounts.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Adding or removing a factor asks for a recent sign-in: one within the last few minutes
        counts (allauth would ask again even then, and an SSO-only account has no password to give)."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not _signed_in_recently(context.request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return self._accept_pending_invitation(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self._accept_pending_invitation(request) or super().get_signup_redirect_url(request)

    def _accept_pending_invitation(self, request: HttpRequest) -> str | None:
        """After an SSO sign-in from an invitation's page: accept it, then open what it gave access to."""
        pending = _pending_invitation(request)
        if pending is None:
            return None
        request.session.pop(INVITATION_SESSION_KEY, None)
        invitation, token = pending
        if not invitation.is_pending or request.user.email.lower() != invitation.email:
            return reverse("invitation-accept", kwargs={"token": token})
        services.invitation_accept(invitation=invitation, user=request.user)
        messages.success(request, f"Welcome to {invitation.target_name}.")
        if invitation.workspace_id:
            return reverse("workspace-home", kwargs={"workspace_slug": invitation.workspace.slug})
        return resolve_url("home")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict):
        if sociallogin.account.provider in TENANT_PROVIDERS:
            # One configured tenant, whose administrators assign its addresses: Entra ID tokens carry no
            # email_verified claim, and without this no Microsoft identity could reach an existing account.
            for address in sociallogin.email_addresses:
                address.verified = True
        user = super().populate_user(request, sociallogin, data)
        user.full_name = (data.get("name") or "").strip()[:150]
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse an identity whose email is not the one the invitation it came from was sent to."""
        pending = _pending_invitation(request)
        if pending is None:
            return
        invitation, token = pending
        email = _identity_email(sociallogin)
        if email != invitation.email:
            request.session.pop(INVITATION_SESSION_KEY, None)
            shown = email or "an address it does not confirm"
            messages.error(
                request,
                f"This invitation is for {invitation.email}, but the {sociallogin.provider.name} account you chose "
                f"has {shown}. Sign in with the account of {invitation.email}, or ask for an invitation to {shown}.",
            )
            raise ImmediateHttpResponse(redirect("invitation-accept", token=token))

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Where /signup/ is open (the product's host), or with an invitation to this identity's email."""
        if _pending_invitation(request) is not None:
            return True  # pre_social_login checked the email
        return getattr(request, "host_agency", None) is None

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # An invitee needs nothing more; a new agency needs its name (SsoSignupForm).
        return _pending_invitation(request) is not None and bool(_identity_email(sociallogin))

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        user = super().save_user(request, sociallogin, form)
        if form is not None and form.cleaned_data.get("agency_name"):
            agency = services.agency_create(name=form.cleaned_data["agency_name"], owner=user)
            messages.success(request, f"Welcome! {agency.name} is ready: create a workspace for your first client.")
        return user


class SsoSignupForm(SignupForm):
    """Signing up through SSO creates an agency, as /signup/ does: its name is all that is asked."""

    agency_name = forms.CharField(label="Agency name", max_length=120)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Work email"
        self.fields["email"].disabled = bool(_identity_email(self.sociallogin))
