"""The default report's PDF: its headline KPIs are the KPI API's for the same period; charts, pages, brand."""

from __future__ import annotations

from datetime import date

from accounts.formatting import number_locale
from kpis import display
from reports.content import build_report
from reports.pdf import render_pdf
from reports.periods import covered_period
from reports.sections import HEADLINE_KPIS
from tests.reports.conftest import pdf_text

# SEEDED_NOW is 2 Dec 2026: last month is November.
NOVEMBER = covered_period("last_month", date(2026, 12, 2))


def test_last_month_is_november_compared_with_october():
    assert (NOVEMBER.first, NOVEMBER.last) == (date(2026, 11, 1), date(2026, 11, 30))


def test_pdf_download_has_the_api_headline_values(seeded, member_client, api_client):
    response = member_client.get(f"/w/{seeded.slug}/reports/preview.pdf?coverage=last_month")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "report-acme-2026-11-01-2026-11-30.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    api = api_client.get("/api/v1/kpis/?from=2026-11-01&to=2026-11-30").json()
    checked = 0
    with number_locale(seeded.number_locale):
        for name in HEADLINE_KPIS:
            value = api["metrics"][name]
            expected = display.format_kpi(name, value, seeded.currency)
            assert expected in text, f"{name}: {expected} not in the PDF"
            checked += 1
    assert checked == len(HEADLINE_KPIS)
    assert "Page 1 of" in text
    assert "Spend and leads" in text  # a chart's legend and title are text


def test_default_report_is_two_to_four_pages(seeded):
    report = build_report(seeded, NOVEMBER)
    pdf = render_pdf(report)
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    text = pdf_text(pdf)
    count = text.count("\f")
    assert 2 <= max(count, pages) <= 4, (count, pages)
