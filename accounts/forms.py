from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.formatting import DEFAULT_LOCALE, locale_choices
from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS, MAX_SETTING_DAYS, AgencyRole, User, Workspace, WorkspaceRole

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class _PasswordPairMixin(forms.Form):
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def _check_passwords(self, email: str) -> None:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=email or ""))
            except forms.ValidationError as error:
                self.add_error("password1", error)


class AgencySignupForm(_PasswordPairMixin):
    agency_name = forms.CharField(label="Agency name", max_length=120)
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    email = forms.EmailField(label="Work email")
    field_order = ["agency_name", "full_name", "email", "password1", "password2"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email exists already: sign in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(cleaned.get("email", ""))
        return cleaned


class AcceptInvitationForm(_PasswordPairMixin):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(self.email)
        return cleaned


class WorkspaceCreateForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    number_locale = forms.ChoiceField(
        choices=locale_choices, initial=DEFAULT_LOCALE, required=False, label="Number format"
    )

    class Meta:
        model = Workspace
        fields = ["name", "currency", "time_zone", "number_locale"]
        help_texts = {"currency": "Three-letter code, e.g. USD, EUR, GBP.", "name": "Usually the client's name."}

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_number_locale(self) -> str:
        return self.cleaned_data["number_locale"] or DEFAULT_LOCALE


class WorkspaceSettingsForm(forms.ModelForm):
    """Workspace and KPI settings; engagement weights as one number field per kind."""

    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)
    number_locale = forms.ChoiceField(choices=locale_choices, required=False, label="Number format")

    class Meta:
        model = Workspace
        fields = [
            "name",
            "currency",
            "time_zone",
            "number_locale",
            "gross_margin",
            "engagement_window_days",
            "half_life_days",
            "mqa_threshold",
            "touchpoint_retention_days",
        ]
        labels = {
            "touchpoint_retention_days": "Keep touchpoints for (days)",
            "engagement_window_days": "Engagement window (days)",
            "half_life_days": "Half-life (days)",
            "mqa_threshold": "MQA threshold",
        }
        help_texts = {
            "gross_margin": "Fraction between 0 and 1 used by CLV (1.0 = 100 %).",
            "engagement_window_days": "ABM engagement scores look back this many days.",
            "half_life_days": "An engagement counts half as much after this many days.",
            "mqa_threshold": "A target account whose score reaches this is an MQA.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("engagement_window_days", "half_life_days"):  # the model's validators say why
            self.fields[name].widget.attrs.update(min=1, max=MAX_SETTING_DAYS)
        weights = self.instance.engagement_weights or {}
        for kind, default in DEFAULT_ENGAGEMENT_WEIGHTS.items():
            self.fields[f"weight_{kind}"] = forms.DecimalField(
                label=kind.replace("_", " ").capitalize(),
                min_value=0,
                max_digits=8,
                decimal_places=2,
                initial=weights.get(kind, default),
            )

    @property
    def weight_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("weight_")]

    @property
    def main_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("weight_")]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_number_locale(self) -> str:
        return self.cleaned_data["number_locale"] or DEFAULT_LOCALE

    def save(self, commit: bool = True) -> Workspace:
        self.instance.engagement_weights = {
            kind: float(self.cleaned_data[f"weight_{kind}"]) for kind in DEFAULT_ENGAGEMENT_WEIGHTS
        }
        return super().save(commit=commit)


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField()

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()


WORKSPACE_INVITE_ROLES = WorkspaceRole.choices
AGENCY_INVITE_ROLES = [(AgencyRole.MEMBER.value, "Member"), (AgencyRole.ADMIN.value, "Admin")]


class RoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. “HubSpot sync”.")


class WorkspaceDeleteForm(forms.Form):
    """Deleting a client workspace: its name typed out, so a slip of the mouse deletes nothing."""

    name = forms.CharField(label="Type the workspace's name to confirm", max_length=120)

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name.strip() != self.workspace.name:
            raise forms.ValidationError(f"Type “{self.workspace.name}” exactly to delete this workspace.")
        return name


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
