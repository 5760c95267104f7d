"""The Web page (/w/<slug>/web/): the web KPIs of the range and its top pages with entries, exits and exit rate."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from kpis import display, selectors
from kpis.reads.pages import PageRow
from kpis.views.cards import CardBuilder
from kpis.views.exports import csv_response, export_name
from kpis.views.state import PAGE_SIZE, DashboardStateMixin, query_without

WEB_KPIS = ("sessions", "unique_visitors", "bounce_rate_web", "pages_per_session", "content_downloads")
# Sort key in the URL → column label; a column's first click sorts its biggest first (the URL: A to Z).
COLUMNS = {"url": "Page", "page_views": "Views", "entries": "Entries", "exits": "Exits", "exit_rate": "Exit rate"}
DEFAULT_SORT = "-page_views"
EXPORT_HEADER = ["url", "page_views", "entries", "exits", "exit_rate"]


class TopPageRows:
    """The range's pages in one order, read a page of rows at a time (what `Paginator` asks of a list)."""

    def __init__(self, view: WebView) -> None:
        self.view = view
        self._count: int | None = None

    def read(self, offset: int, limit: int | None) -> tuple[int, list[PageRow]]:
        state = self.view.state
        return selectors.top_pages(
            workspace=self.view.workspace,
            first_day=state.period.first,
            last_day=state.period.last,
            sort=self.view.sort_key,
            descending=self.view.descending,
            offset=offset,
            limit=limit,
            **state.scope,
        )

    def count(self) -> int:
        if self._count is None:
            self._count, _rows = self.read(0, 0)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[PageRow]:
        _count, rows = self.read(window.start or 0, window.stop - (window.start or 0))
        return rows


def split_url(url: str) -> tuple[str, str]:
    """(origin, path) of a normalised URL: "https://a.example", "/pricing"; a URL without a scheme is all path."""
    scheme = url.find("://")
    if scheme < 0:
        return "", url
    slash = url.find("/", scheme + 3)
    return (url, "/") if slash < 0 else (url[:slash], url[slash:])


def parse_sort(value: str) -> tuple[str, bool]:
    """(column, descending) of `?sort=`; an unknown column sorts by views, most first."""
    key = value.lstrip("-")
    if key not in COLUMNS:
        value, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    return key, value.startswith("-")


class WebView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    template_name = "kpis/web.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        self.sort_key, self.descending = parse_sort(request.GET.get("sort", ""))
        if request.GET.get("export") == "pages":
            return self.export_pages()
        return super().get(request, *args, **kwargs)

    def export_pages(self) -> HttpResponse:
        _count, rows = TopPageRows(self).read(0, None)
        return csv_response(
            export_name(self.workspace, "top-pages", self.state.period),
            EXPORT_HEADER,
            ([r.url, r.page_views, r.entries, r.exits, "" if r.exit_rate is None else r.exit_rate] for r in rows),
        )

    def sort_links(self) -> list[dict]:
        base = query_without(self.request, "sort", "page")
        links = []
        for key, label in COLUMNS.items():
            active = key == self.sort_key
            descending = not self.descending if active else key != "url"
            links.append(
                {
                    "key": key,
                    "label": label,
                    "url": f"?{base}sort={'-' if descending else ''}{key}",
                    "active": active,
                    "descending": self.descending,
                    "numeric": key != "url",
                }
            )
        return links

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context())
        ws, state = self.workspace, self.state
        values = selectors.kpis_for_period(
            workspace=ws, first_day=state.period.first, last_day=state.period.last, metrics=WEB_KPIS, **state.scope
        )
        prev = self.comparison_values(WEB_KPIS, **state.scope)
        context["cards"] = CardBuilder(values, prev, ws, state, {}).cards(WEB_KPIS)
        page = Paginator(TopPageRows(self), PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = list(page)
        origins = {split_url(row.url)[0] for row in rows}
        context.update(
            page=page,
            # One site (the usual case): its address once above the table, each row its path.
            shared_origin=origins.pop() if len(origins) == 1 else "",
            page_query=query_without(self.request, "page"),
            export_query=f"{query_without(self.request, 'page')}export=pages",
            columns=self.sort_links(),
            rows=[
                {
                    "url": row.url,
                    "origin": split_url(row.url)[0],
                    "path": split_url(row.url)[1],
                    "views": display.format_number(row.page_views, 0),
                    "entries": display.format_number(row.entries, 0),
                    "exits": display.format_number(row.exits, 0),
                    "exit_rate": display.format_percent(row.exit_rate),
                }
                for row in rows
            ],
            api_url=f"/api/v1/kpis/pages/?{state.range_query()}",
        )
        return context
