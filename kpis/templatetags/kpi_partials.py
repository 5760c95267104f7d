"""The partials a dashboard page repeats dozens or hundreds of times, on a cheaper path than `{% include %}`.

    {% load kpi_partials %}
    {% for card in cards %}{% kpi_card card %}{% endfor %}   {% kpi_card card compact=True id_suffix="-more" %}
    <select name="campaign">…{% campaign_options campaign_choices state.campaign %}</select>

The template engine spends microseconds on each variable it resolves through an object and on each loop turn:
`kpis/_card.html` reads plain values (`Card.partial_context`), and a workspace's hundreds of campaigns become
`<option>`s in one pass.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from campaigns.models import Campaign
from kpis.views.cards import Card

register = template.Library()


@register.inclusion_tag("kpis/_card.html")
def kpi_card(card: Card, compact: bool = False, id_suffix: object = "") -> dict:
    return card.partial_context(compact=compact, id_suffix=id_suffix)


@register.simple_tag
def campaign_options(choices: list[tuple[str, str, str]], selected: Campaign | None) -> SafeString:
    """An `<option>` per (external id, name, channel) of `choices`, the `selected` campaign's marked so."""
    chosen = selected.external_id if selected is not None else None
    options = (
        f'<option value="{escape(external_id)}"{" selected" if external_id == chosen else ""}>{escape(name)}</option>'
        for external_id, name, _channel in choices
    )
    return mark_safe("".join(options))  # noqa: S308 (every value is escaped above)
