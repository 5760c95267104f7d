"""Data health on a lower app's page (the dashboard) by a template tag, so kpis never imports health."""

from __future__ import annotations

from django import template

from health.status import summary

register = template.Library()


@register.inclusion_tag("health/_summary.html")
def health_summary(workspace) -> dict:
    """One line: how many sources stopped sending, or that all send as usual (one query)."""
    seen, stale = summary(workspace)
    return {"workspace": workspace, "seen": seen, "stale": stale}
