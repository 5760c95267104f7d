"""CSV exports of the pages' tables (`?export=<table>`): raw values, as the KPI API writes them."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

from accounts.models import Workspace
from campaigns.csv_cells import SafeWriter
from kpis import periods


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)  # text that starts like a formula is written quoted
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return response


def raw(value: object) -> object:
    """A KPI as the API writes it: money with 2 decimals, null as empty; a number stays a number (not text)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return Decimal(f"{value:.2f}")
    return value


def export_name(workspace: Workspace, what: str, period: periods.Period | None = None) -> str:
    suffix = f"_{period.first.isoformat()}_{period.last.isoformat()}" if period else ""
    return f"{workspace.slug}_{slugify(what)}{suffix}.csv"
