"""The report as a PDF: the same HTML as the report's page, laid out by WeasyPrint.

No browser process: WeasyPrint lays out HTML and CSS (paged media: page
counters, `break-inside`) in-process, draws the inline SVG charts of
`reports.svg` itself, and embeds the fonts it uses, so the text stays text.
It is imported only when a PDF is made (a web process that never makes one
never loads it). Resources: only data: URIs and this site's own media files
are read; any other URL (another host, file://) is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from accounts.formatting import number_locale
from reports.content import Report

DEFAULT_PRIMARY = "#1c3faa"
DEFAULT_ACCENT = "#dee2e6"


def report_html(report: Report) -> str:
    brand = report.brand
    with number_locale(report.workspace.number_locale):
        return render_to_string(
            "reports/pdf.html",
            {
                "report": report,
                "primary": brand.primary_colour or DEFAULT_PRIMARY,
                "accent": brand.accent_colour or DEFAULT_ACCENT,
            },
        )


def _media_file(url: str) -> bytes | None:
    """The bytes of one of this site's media files (a logo), or None for any other URL."""
    media = settings.MEDIA_URL if settings.MEDIA_URL.startswith("http") else f"{settings.SITE_URL}{settings.MEDIA_URL}"
    if not settings.MEDIA_URL or not url.startswith(media):
        return None
    with default_storage.open(url[len(media) :], "rb") as handle:
        return handle.read()


def _fetcher():
    """WeasyPrint's resource fetcher: data: URIs and this site's media files; anything else is refused.

    A refused or missing resource is left out of the PDF with a warning (WeasyPrint's
    fetch errors are not fatal), never an error page.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            body = _media_file(url)
            if body is None:
                raise ValueError(f"refused to fetch {url!r} for a report")
            return URLFetcherResponse(url, body=body)

    return ReportFetcher(allowed_protocols=("data", "http", "https"))


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(report), base_url=f"{settings.SITE_URL}/", url_fetcher=_fetcher()).write_pdf()
