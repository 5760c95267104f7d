"""Forms of the data pages: CSV upload and column mapping, list filters, the bulk target-list change."""

from __future__ import annotations

from django import forms

from campaigns import import_presets, imports
from campaigns.models import Channel, DealStatus
from campaigns.resources import RESOURCES


class UploadForm(forms.Form):
    resource = forms.ChoiceField(label="What the file holds", choices=[(r.name, r.label) for r in RESOURCES.values()])
    file = forms.FileField(
        label="CSV file",
        help_text=f"Comma- or semicolon-separated, with column names in the first row; at most "
        f"{imports.MAX_UPLOAD_BYTES // 1048576} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:.1f} MB; the limit is {imports.MAX_UPLOAD_BYTES // 1048576} MB. "
                "Split it into smaller files, or push the data through the API."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class PresetForm(forms.Form):
    """Which built-in preset maps the columns: the one the headers matched, another, or none."""

    preset = forms.ChoiceField(label="Preset", required=False)

    def __init__(self, *args, resource: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [("", "None: match columns by their names")] + [
            (p.key, p.label) for p in import_presets.available() if p.resource == resource
        ]


class MappingForm(forms.Form):
    """One select per column of the file (the field it fills, or ignore), and the date format."""

    date_format = forms.ChoiceField(
        label="Date format",
        choices=list(imports.DATE_FORMATS.items()),
        required=False,
        help_text="Needed when the file has dates like 03/04/2026: they are never guessed.",
    )

    def __init__(self, *args, resource: str, headers: list[str], mapping: list[str], date_format: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.resource, self.headers = resource, headers
        choices = [("", "— ignore —")] + [
            (spec.name, f"{spec.name}{' *' if spec.required else ''}") for spec in imports.resource_fields(resource)
        ]
        self.fields["date_format"].initial = date_format
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
            )

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(len(self.headers))]

    def clean(self):
        cleaned = super().clean()
        mapping = [cleaned.get(f"col_{index}", "") or "" for index in range(len(self.headers))]
        for problem in imports.mapping_problems(self.resource, mapping, self.headers):
            self.add_error(None, problem)
        cleaned["mapping"] = mapping
        return cleaned


SORT_HELP = "Column to sort by; a leading - sorts descending."


class ListFilterForm(forms.Form):
    """Search and sort, common to every list; each list adds its filters."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    sort = forms.CharField(required=False, max_length=40, help_text=SORT_HELP)

    def clean_q(self):
        return self.cleaned_data["q"].strip()


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CampaignFilterForm(ListFilterForm):
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    abm = forms.ChoiceField(required=False, label="ABM", choices=[("", "All"), ("yes", "ABM"), ("no", "Not ABM")])
    active_from = _date("Running from")
    active_to = _date("to")


class AccountFilterForm(ListFilterForm):
    target = forms.ChoiceField(
        required=False,
        label="Target list",
        choices=[("", "All accounts"), ("yes", "On the target list"), ("no", "Not on it")],
    )
    industry = forms.CharField(required=False, max_length=120)


LEAD_STAGES = [("new", "Lead"), ("mql", "MQL"), ("sql", "SQL"), ("sqo", "SQO")]


class LeadFilterForm(ListFilterForm):
    stage = forms.ChoiceField(required=False, label="Stage reached", choices=[("", "Any stage"), *LEAD_STAGES])
    campaign = forms.CharField(required=False, label="Source campaign", max_length=255)
    created_from = _date("Created from")
    created_to = _date("to")


class DealFilterForm(ListFilterForm):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *DealStatus.choices])
    campaign = forms.CharField(required=False, label="Source campaign", max_length=255)
    created_from = _date("Created from")
    created_to = _date("to")
    closed_from = _date("Closed from")
    closed_to = _date("to")


class TargetListForm(forms.Form):
    """The bulk change of the account list: selected accounts added to or removed from the ABM target list."""

    action = forms.ChoiceField(choices=[("add", "Add to target list"), ("remove", "Remove from target list")])
    accounts = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Tick accounts first."}
    )
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service looks them up inside the workspace and ignores the others.
        self.fields["accounts"].valid_value = lambda value: str(value).isdigit()
