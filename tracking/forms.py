from __future__ import annotations

import re

from django import forms

from campaigns.models import Campaign
from tracking.models import CampaignValue, SiteKey
from tracking.origins import InvalidOrigin, normalise_origin
from tracking.sites import SiteSettings

MAX_ORIGINS = 20
PARAMETER = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


class SiteKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which site, e.g. “www.example.com”.")
    allowed_origins = forms.CharField(
        label="Allowed origins",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, as scheme://host[:port] (https://www.example.com): events from any other origin are refused.",
    )
    honour_dnt = forms.BooleanField(
        label="Honour Do Not Track and Global Privacy Control", required=False, initial=True
    )
    capture_forms = forms.BooleanField(
        label="Match or create a lead from forms marked data-pulse-form (their email field)", required=False
    )
    campaign_parameter = forms.CharField(
        label="Campaign parameter",
        max_length=40,
        initial="utm_campaign",
        help_text="The landing URL's query parameter naming the campaign (its external id or name).",
    )

    @classmethod
    def for_key(cls, site_key: SiteKey) -> SiteKeyForm:
        return cls(
            initial={
                "name": site_key.name,
                "allowed_origins": "\n".join(site_key.allowed_origins),
                "honour_dnt": site_key.honour_dnt,
                "capture_forms": site_key.capture_forms,
                "campaign_parameter": site_key.campaign_parameter,
            }
        )

    def clean_allowed_origins(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["allowed_origins"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("List at least one origin.")
        if len(lines) > MAX_ORIGINS:
            raise forms.ValidationError(f"At most {MAX_ORIGINS} origins per site key.")
        origins, errors = [], []
        for line in lines:
            try:
                origin = normalise_origin(line)
            except InvalidOrigin as error:
                errors.append(str(error))
                continue
            if origin not in origins:
                origins.append(origin)
        if errors:
            raise forms.ValidationError(errors)
        return origins

    def clean_campaign_parameter(self) -> str:
        value = self.cleaned_data["campaign_parameter"].strip()
        if not PARAMETER.match(value):
            raise forms.ValidationError("Letters, digits, _, . and - only (e.g. utm_campaign).")
        return value

    def site_settings(self) -> SiteSettings:
        data = self.cleaned_data
        return SiteSettings(
            name=data["name"],
            allowed_origins=data["allowed_origins"],
            honour_dnt=data["honour_dnt"],
            capture_forms=data["capture_forms"],
            campaign_parameter=data["campaign_parameter"],
        )


class CampaignValueForm(forms.Form):
    """Both choices come from the workspace in scope: another workspace's ids are not found."""

    value = forms.ModelChoiceField(queryset=CampaignValue.objects.unscoped().none())
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.unscoped().none(), error_messages={"required": "Choose a campaign."}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].queryset = CampaignValue.objects.filter(campaign__isnull=True)
        self.fields["campaign"].queryset = Campaign.objects.all()
