"""Plain numbers in the workspace's number format, for the dashboard templates (`kpis.display` formats).

    {% load kpi_numbers %}
    {{ row.score|local_number:1 }}   {{ mqa_threshold|local_number:2 }}

Django's `floatformat` and `{{ decimal }}` write 1234.5 the same in every workspace; these follow its setting
(1.234,5 in de_DE) with a true minus sign, like the KPI figures.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from kpis import display

register = template.Library()


@register.filter
def local_number(value: float | Decimal | None, places: int | str = 0) -> str:
    return display.format_number(value, int(places))
