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


def _fetch(url: str, timeout: int = 10, ssl_context=None) -> dict:
    """WeasyPrint's resource fetcher: data: URIs and this site's media files only."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, timeout, ssl_context)
    media = settings.MEDIA_URL if settings.MEDIA_URL.startswith("http") else f"{settings.SITE_URL}{settings.MEDIA_URL}"
    if settings.MEDIA_URL and url.startswith(media):
        name = url[len(media) :]
        with default_storage.open(name, "rb") as handle:
            return {"string": handle.read()}
    raise ValueError(f"refused to fetch {url!r} for a report")


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(report), base_url=f"{settings.SITE_URL}/", url_fetcher=_fetch).write_pdf()
