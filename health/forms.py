from __future__ import annotations

import zoneinfo

from django import forms

from health.models import DigestSubscription

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class DigestSettingsForm(forms.ModelForm):
    enabled = forms.BooleanField(label="Send me the daily digest", required=False)
    hour = forms.TypedChoiceField(label="At", choices=HOURS, coerce=int, initial=8)
    time_zone = forms.ChoiceField(
        label="Time zone", choices=[(z, z) for z in sorted(zoneinfo.available_timezones())], initial="UTC"
    )

    class Meta:
        model = DigestSubscription
        fields = ["enabled", "hour", "time_zone"]
