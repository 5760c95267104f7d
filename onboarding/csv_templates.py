"""A CSV template per kind of data: a header row of the API's field names and one example row.

Built from the resource registry (`campaigns.resources.RESOURCES`), so a new kind of data gets its
template with no change here. Each example value is chosen from its field's model type, then the row
is checked with the resource's own validation and any optional value it refuses is left blank (an open
deal has no close date). References name the other templates' examples (`example-campaign`…), so the
templates import cleanly in the registry's order, referenced kinds first, as the import page lists them.
The example day is yesterday in the workspace's time zone, inside the dashboard's default range.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.urls import reverse

from accounts.models import Workspace
from campaigns.csv_cells import SafeWriter
from campaigns.resources import RESOURCES, DataResource
from campaigns.validation import FieldSpec

# Text fields whose name says what a plausible value looks like.
_TEXT_EXAMPLES = {
    "email": "jane.doe@example.com",
    "domain": "example.com",
    "industry": "Software",
    "url": "https://www.example.com/pricing",
    "visitor_id": "visitor-1",
    "session_id": "session-1",
}


def example_id(singular_or_ref: str) -> str:
    """The external_id of a template's example object ("example-campaign")."""
    return f"example-{singular_or_ref.replace(' ', '-')}"


def _value(resource: DataResource, spec: FieldSpec, day: date, tz) -> Any:
    """A plausible value for one field, in the API's JSON shape."""
    if spec.ref:
        return example_id(spec.ref)
    if spec.name == "external_id":
        return example_id(resource.spec.resource)
    field = resource.write.model._meta.get_field(spec.name)
    if isinstance(field, models.DateTimeField):
        return datetime.combine(day, time(9, 30), tzinfo=tz).isoformat()
    if isinstance(field, models.DateField):
        return day.isoformat()
    if isinstance(field, models.DecimalField):
        return "1200.00"
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField):
        return 100
    if field.choices:
        return field.choices[0][0]
    if spec.name in _TEXT_EXAMPLES:
        return _TEXT_EXAMPLES[spec.name]
    if spec.name == "name":
        return f"Example {resource.singular}"
    return f"example {spec.name.replace('_', ' ')}"


def example_object(resource: DataResource, *, workspace: Workspace, day: date) -> dict[str, Any]:
    """One valid object of `resource` as the API takes it (optional fields the validation refuses left out)."""
    item = {spec.name: _value(resource, spec, day, workspace.tz) for spec in resource.fields}
    required = {spec.name for spec in resource.fields if spec.required}
    # Each pass leaves out the optional fields the resource's checks refuse, until none is refused.
    for _attempt in range(len(item)):
        _rows, errors = resource.spec.parse_rows([item])
        refused = {error.field for error in errors if error.field and error.field not in required}
        if not refused:
            break
        item = {name: value for name, value in item.items() if name not in refused}
    return item


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def template_csv(resource: DataResource, *, workspace: Workspace, day: date) -> str:
    """The template file's text: the field names, then the example row."""
    example = example_object(resource, workspace=workspace, day=day)
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow([spec.name for spec in resource.fields])
    writer.writerow([_cell(example.get(spec.name)) for spec in resource.fields])
    return buffer.getvalue()


def template_links(workspace: Workspace) -> list[tuple[str, str]]:
    """(label, URL) of every kind of data's template, in the registry's order: referenced kinds first."""
    return [(r.label, reverse("onboarding-csv-template", args=[workspace.slug, name])) for name, r in RESOURCES.items()]
