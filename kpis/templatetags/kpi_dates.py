"""Dates in the workspace's locale, for the dashboard templates (`kpis.presentation` does the formatting).

    {% load kpi_dates %}
    {{ deal.closed_at|local_date|default:"—" }}   {{ period.last|local_date:"day_month" }}   {{ kpis_as_of|local_datetime }}
    {{ kpis_as_of|local_datetime:"zone" }}   (with the zone's name then: CET, EST, UTC−03)

Like Django's `date` filter, a datetime is first converted to the current time zone (`expects_localtime`).
"""

from __future__ import annotations

from django import template

from kpis import presentation as p

register = template.Library()
register.filter("local_date", p.format_day, expects_localtime=True)
register.filter("local_datetime", p.format_moment, expects_localtime=True)
