"""The rule form: every field checked here, with a message next to the field that is wrong."""

from __future__ import annotations

from django import forms

from accounts.models import Workspace
from alerts.models import DATA_HEALTH, DATA_HEALTH_LABEL, Condition, Severity, Window
from alerts.selectors import people_of
from alerts.webhooks import UnsafeUrl, resolve
from campaigns.models import Channel
from kpis import forecasts, records
from kpis.catalog import KPIS


class RuleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    kpi = forms.ChoiceField(label="KPI")
    campaign = forms.ChoiceField(label="Campaign", required=False)
    channel = forms.ChoiceField(label="Channel", required=False, choices=[("", "Every channel"), *Channel.choices])
    condition = forms.ChoiceField(label="Condition", choices=Condition.choices)
    threshold = forms.DecimalField(
        label="Threshold",
        max_digits=18,
        decimal_places=4,
        help_text="Above / below: the value (for a rate, in %: 5 for 5 %). Change: the % either way. "
        "Off pace: the least % of the target's pace (90 = at risk). Anomaly: how far beyond the forecast's "
        "interval, in % of its width (0 = any value outside it). Data health: not used (0).",
    )
    window = forms.ChoiceField(label="Window", choices=Window.choices, initial=Window.LAST_7)
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)
    renotify_minutes = forms.IntegerField(
        label="Re-notify after (minutes)",
        min_value=0,
        max_value=60 * 24 * 30,
        initial=0,
        help_text="While it keeps firing; 0 = once until it resolves.",
    )
    active = forms.BooleanField(label="Active", required=False, initial=True)
    recipients = forms.MultipleChoiceField(
        label="Email to", required=False, widget=forms.CheckboxSelectMultiple, help_text="People of this workspace."
    )
    webhook_url = forms.URLField(
        label="Webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="https:// to a public host.",
    )

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        # Runs inside the view's workspace scope: the workspace's campaigns only.
        self.campaigns = records.campaigns_by_external_id()
        by_name = sorted(((c.external_id, c.name) for c in self.campaigns.values()), key=lambda c: c[1].lower())
        self.fields["campaign"].choices = [("", "Every campaign"), *by_name]
        self.fields["kpi"].choices = [
            *((name, entry.label) for name, entry in KPIS.items()),
            (DATA_HEALTH, DATA_HEALTH_LABEL),
        ]
        self.people = {str(u.pk): u for u in people_of(workspace)}
        self.fields["recipients"].choices = [(pk, u.email) for pk, u in self.people.items()]

    def clean_threshold(self):
        threshold = self.cleaned_data["threshold"]
        condition = self.data.get("condition")
        if condition in (Condition.CHANGE, Condition.OFF_PACE) and threshold <= 0:
            raise forms.ValidationError("Give a percentage above 0.")
        if condition == Condition.ANOMALY and threshold < 0:
            raise forms.ValidationError("Give a margin of 0 % or more.")
        return threshold

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if url:
            try:
                resolve(url)
            except UnsafeUrl as error:
                raise forms.ValidationError(str(error)) from None
        return url

    def clean(self):
        cleaned = super().clean()
        cleaned["campaign"] = self.campaigns.get(cleaned.get("campaign") or "")
        cleaned["recipients"] = [self.people[pk] for pk in cleaned.get("recipients") or []]
        kpi = cleaned.get("kpi")
        if (kpi == DATA_HEALTH) != (cleaned.get("condition") == Condition.STALE):
            self.add_error("condition", f"“{Condition.STALE.label}” goes with “{DATA_HEALTH_LABEL}”, and only it.")
            return cleaned
        if kpi == DATA_HEALTH:
            if cleaned["campaign"] or cleaned.get("channel"):
                self.add_error("condition", "Data health is workspace-wide: a rule on it cannot be narrowed.")
            return cleaned
        entry = KPIS.get(kpi) if kpi else None
        if cleaned["campaign"] is not None and cleaned.get("channel"):
            self.add_error("channel", "Choose a campaign or a channel, not both.")
        if entry is not None and entry.workspace_wide and (cleaned["campaign"] or cleaned.get("channel")):
            self.add_error("kpi", f"{entry.label} is workspace-wide: it cannot be narrowed to a campaign or channel.")
        if entry is not None and cleaned.get("condition") == Condition.OFF_PACE and not entry.targetable:
            self.add_error("condition", f"{entry.label} has no targets: choose another condition.")
        if cleaned.get("condition") == Condition.OFF_PACE and (cleaned["campaign"] or cleaned.get("channel")):
            self.add_error("condition", "Targets are workspace-wide: an off-pace rule cannot be narrowed.")
        if cleaned.get("condition") == Condition.ANOMALY:
            self._clean_anomaly(cleaned, entry)
        return cleaned

    def _clean_anomaly(self, cleaned: dict, entry) -> None:
        """Forecasts are of a few workspace-wide daily KPIs, for whole days: yesterday's value is judged."""
        if entry is not None and cleaned.get("kpi") not in forecasts.FORECAST_KPIS:
            names = ", ".join(KPIS[name].label for name in forecasts.FORECAST_KPIS)
            self.add_error("condition", f"{entry.label} has no forecast: an anomaly rule watches {names}.")
        if cleaned["campaign"] or cleaned.get("channel"):
            self.add_error("condition", "Forecasts are workspace-wide: an anomaly rule cannot be narrowed.")
        if cleaned.get("window") and cleaned["window"] != Window.YESTERDAY:
            self.add_error("window", "An anomaly rule judges a whole day: choose Yesterday.")


def initial_of(rule) -> dict:
    return {
        "name": rule.name,
        "kpi": rule.kpi,
        "campaign": rule.campaign.external_id if rule.campaign_id else "",
        "channel": rule.channel,
        "condition": rule.condition,
        "threshold": rule.threshold_text,
        "window": rule.window,
        "severity": rule.severity,
        "renotify_minutes": rule.renotify_minutes,
        "active": rule.active,
        "recipients": [str(pk) for pk in rule.recipients.values_list("pk", flat=True)],
        "webhook_url": rule.webhook_url,
    }
