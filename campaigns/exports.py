"""CSV export of the data lists, streamed, filtered and sorted like the page.

The columns are the API's fields (references as external_ids, timestamps in
UTC ISO 8601, money with 2 decimals), so an exported file imports back as is,
except text that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab,
carriage return): `campaigns.csv_cells` writes it with a leading quote.

A StreamingHttpResponse is iterated after the view has returned, outside the
workspace scope the view ran in; so rows are read in keyset-paginated chunks,
each chunk's query run inside `workspace_scope(workspace)` again (on
PostgreSQL, row-level security reads the scope when the query runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.http import StreamingHttpResponse

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns import services
from campaigns.csv_cells import SafeWriter
from campaigns.resources import DataResource

CHUNK_SIZE = 2000


def ordering(sort_field: str, descending: bool) -> list[Any]:
    """The page's order, nulls last, ties broken by id: a total order, so keyset pagination is exact."""
    column = F(sort_field)
    return [column.desc(nulls_last=True) if descending else column.asc(nulls_last=True), "pk"]


def _after(sort_field: str, descending: bool, value: Any, pk: int) -> Q:
    """The rows that come after (value, pk) in `ordering(sort_field, descending)`."""
    if value is None:
        return Q(**{f"{sort_field}__isnull": True, "pk__gt": pk})
    beyond = Q(**{f"{sort_field}__{'lt' if descending else 'gt'}": value})
    return beyond | Q(**{sort_field: value, "pk__gt": pk}) | Q(**{f"{sort_field}__isnull": True})


def chunks(workspace: Workspace, queryset: QuerySet, sort_field: str, descending: bool) -> Iterator[list[Model]]:
    size = CHUNK_SIZE
    last: tuple[Any, int] | None = None
    while True:
        with workspace_scope(workspace):
            page = queryset
            if last is not None:
                page = page.filter(_after(sort_field, descending, *last))
            rows = list(page.order_by(*ordering(sort_field, descending))[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = (getattr(rows[-1], sort_field), rows[-1].pk)


def cell(value: Any) -> Any:
    """The API's rendering of a field; numbers stay numbers, so the writer never takes -1 for a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return Decimal(f"{value:.2f}")
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(
    *,
    workspace: Workspace,
    resource: DataResource,
    queryset: QuerySet,
    sort_field: str,
    descending: bool,
    filename: str,
) -> StreamingHttpResponse:
    names = [spec.name for spec in resource.fields]
    writer = SafeWriter(_Echo())

    def lines() -> Iterator[str]:
        # A BOM, so that Excel reads the file as UTF-8; the importer skips it.
        yield "\ufeff" + writer.writerow(names)
        for rows in chunks(workspace, queryset, sort_field, descending):
            for instance in rows:
                data = services.object_as_input(resource=resource.write, instance=instance)
                yield writer.writerow([cell(data[name]) for name in names])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
