"""Forms of the reports pages: schedules with their recipients, templates, a period's commentary."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Workspace
from reports.models import ReportTemplate, Schedule
from reports.sections import SECTIONS

MAX_RECIPIENTS = 50


def workspace_people_emails(workspace: Workspace) -> list[str]:
    """The emails of the workspace's members and of its agency's staff."""
    from accounts.models import AgencyMembership, WorkspaceMembership

    members = WorkspaceMembership.objects.filter(workspace=workspace).values_list("user__email", flat=True)
    staff = AgencyMembership.objects.filter(agency=workspace.agency).values_list("user__email", flat=True)
    return sorted({email.lower() for email in [*members, *staff] if email})


class ScheduleForm(forms.ModelForm):
    # A plain choice: a model choice field would query the scoped manager at import.
    template = forms.ChoiceField(label="Template", required=False)
    members = forms.MultipleChoiceField(
        label="Members", required=False, widget=forms.CheckboxSelectMultiple, help_text="People of this workspace."
    )
    external = forms.CharField(
        label="Other email addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line or separated by commas: the client's people without an account.",
    )

    class Meta:
        model = Schedule
        fields = ["name", "frequency", "weekday", "day_of_month", "send_time", "coverage", "comparison", "active"]
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        labels = {"weekday": "Weekday (weekly)", "day_of_month": "Day of the month (monthly, 1–28)"}

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "Default report")] + [
            (str(t.pk), t.name) for t in ReportTemplate.objects.all()
        ]
        self.fields["template"].initial = str(self.instance.template_id or "")
        self.order_fields(["name", "template"])
        people = workspace_people_emails(workspace)
        self.fields["members"].choices = [(e, e) for e in people]
        if self.instance.pk:
            current = list(self.instance.recipients.values_list("email", flat=True))
            self.fields["members"].initial = [e for e in current if e in people]
            self.fields["external"].initial = "\n".join(e for e in current if e not in people)
        self.fields["send_time"].help_text = f"In the workspace's time zone ({workspace.time_zone})."

    def clean_template(self) -> ReportTemplate | None:
        value = self.cleaned_data["template"]
        return ReportTemplate.objects.get(pk=value) if value else None

    def save(self, commit: bool = True) -> Schedule:
        self.instance.template = self.cleaned_data["template"]
        return super().save(commit)

    def clean_day_of_month(self) -> int:
        day = self.cleaned_data["day_of_month"]
        if not 1 <= day <= 28:
            raise ValidationError("Choose a day between 1 and 28 (every month has it).")
        return day

    def clean_external(self) -> list[str]:
        emails = [part.strip().lower() for part in re.split(r"[\s,;]+", self.cleaned_data["external"]) if part.strip()]
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad[:5])}.")
        return emails

    def clean(self):
        cleaned = super().clean()
        recipients = sorted({*cleaned.get("members", []), *cleaned.get("external", [])})
        if not recipients and not self.errors:
            raise ValidationError("Add at least one recipient.")
        if len(recipients) > MAX_RECIPIENTS:
            raise ValidationError(f"At most {MAX_RECIPIENTS} recipients per schedule.")
        cleaned["recipients"] = recipients
        return cleaned


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys: list[str] = list(self.instance.sections) if self.instance.pk else []

    def clean(self):
        cleaned = super().clean()
        keys = self.data.getlist("section")
        keys.sort(key=lambda key: (self._position(key), list(SECTIONS).index(key) if key in SECTIONS else 0))
        unknown = [k for k in keys if k not in SECTIONS]
        if unknown:
            raise ValidationError(f"Unknown section: {', '.join(unknown[:3])}.")
        if not keys:
            raise ValidationError("Choose at least one section.")
        if len(set(keys)) != len(keys):
            raise ValidationError("A section can appear only once.")
        self.section_keys = keys
        return cleaned

    def _position(self, key: str) -> int:
        try:
            return int(self.data.get(f"order-{key}", ""))
        except ValueError:
            return 999

    def rows(self) -> list[tuple[str, str, bool, int | str]]:
        """(key, label, chosen, position) of every section: the chosen ones first, in their order."""
        chosen = self.section_keys
        rows = [(k, SECTIONS[k], True, i + 1) for i, k in enumerate(chosen) if k in SECTIONS]
        rows += [(k, label, False, "") for k, label in SECTIONS.items() if k not in chosen]
        return rows

    def save(self, commit: bool = True) -> ReportTemplate:
        self.instance.sections = self.section_keys
        return super().save(commit)


class CommentaryForm(forms.Form):
    text = forms.CharField(
        label="Executive summary",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=5000,
        help_text="Shown at the top of the report and in the email. Blank paragraphs separate paragraphs.",
    )
