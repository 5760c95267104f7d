"""The form an admin creates a share link with."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from campaigns.models import Campaign
from kpis import periods
from sharing import ranges
from sharing.models import ShareTarget

MIN_PASSWORD_LENGTH = 8


class ShareLinkForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="For you: who the link is for (“Northwind board, Q4”).")
    target = forms.ChoiceField(label="Shows", choices=ShareTarget.choices, initial=ShareTarget.DASHBOARD)
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.unscoped().none(), required=False, help_text="For a campaign's page only."
    )
    range_kind = forms.ChoiceField(
        label="Dates",
        choices=ranges.RANGE_CHOICES,
        initial=periods.DEFAULT_PRESET,
        help_text="A rolling range moves with the calendar, in the workspace's time zone.",
    )
    starts_on = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=f"Optional, at least {MIN_PASSWORD_LENGTH} characters: send it apart from the link.",
    )
    expires_at = forms.DateTimeField(
        label="Expires",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional, in the workspace's time zone. Empty: until revoked.",
    )
    allow_personal_data = forms.BooleanField(
        label="Show the people behind the numbers",
        required=False,
        help_text="A campaign's leads (emails) and deals (accounts). Off: figures only.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The current workspace's campaigns only: another's id is "not one of the available choices".
        self.fields["campaign"].queryset = Campaign.objects.order_by("name")

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password and len(password) < MIN_PASSWORD_LENGTH:
            raise forms.ValidationError(f"Use at least {MIN_PASSWORD_LENGTH} characters, or none.")
        return password

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at

    def clean(self):
        cleaned = super().clean()
        target, campaign = cleaned.get("target"), cleaned.get("campaign")
        if target == ShareTarget.CAMPAIGN and campaign is None and "campaign" not in self.errors:
            self.add_error("campaign", "Choose the campaign to share.")
        if target and target != ShareTarget.CAMPAIGN:
            cleaned["campaign"] = None
        if cleaned.get("range_kind") == ranges.FIXED:
            self._clean_fixed_range(cleaned)
        else:
            cleaned["starts_on"] = cleaned["ends_on"] = None
        return cleaned

    def _clean_fixed_range(self, cleaned: dict) -> None:
        first, last = cleaned.get("starts_on"), cleaned.get("ends_on")
        for name, day in (("starts_on", first), ("ends_on", last)):
            if day is None and name not in self.errors:
                self.add_error(name, "Fixed dates need both days.")
            elif day is not None and not periods.supported_day(day):
                self.add_error(name, periods.DATES_MESSAGE + ".")
        if first and last and first > last:
            self.add_error("ends_on", "The last day comes before the first.")
        elif first and last and (last - first).days + 1 > periods.MAX_RANGE_DAYS:
            self.add_error("ends_on", f"A range covers at most {periods.MAX_RANGE_DAYS} days.")
