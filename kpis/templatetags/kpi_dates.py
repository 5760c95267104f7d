"""Dates in the workspace's locale, for the dashboard templates (`kpis.display` does the formatting).

    {% load kpi_dates %}
    {{ deal.closed_at|local_date|default:"—" }}   {{ period.last|local_date:"day_month" }}   {{ kpis_as_of|local_datetime }}
    {{ kpis_as_of|local_datetime:"zone" }}   (with the zone's name then: CET, EST, UTC−03)
    {{ period|period_label }}   ("3 Oct – 1 Dec 2026")

Like Django's `date` filter, a datetime is first converted to the current time zone (`expects_localtime`).
"""

from __future__ import annotations

from django import template

from kpis import display
from kpis.periods import Period

register = template.Library()
register.filter("local_date", display.format_day, expects_localtime=True)
register.filter("local_datetime", display.format_moment, expects_localtime=True)


@register.filter
def period_label(period: Period) -> str:
    return display.format_period(period.first, period.last)
