"""The guided start on other apps' pages: the navigation's link, the empty dashboard's checklist, template links.

Pages below this app in the import layers show it by loading these tags, so no lower app imports it.
"""

from __future__ import annotations

from django import template

from accounts.tenancy import workspace_scope
from onboarding.checklist import checklist_for
from onboarding.csv_templates import template_links

register = template.Library()


@register.inclusion_tag("onboarding/_nav_link.html")
def start_nav_link(workspace) -> dict:
    """ "Get started (n/4)" in the workspace navigation, until the checklist is done or hidden (one query)."""
    with workspace_scope(workspace):
        checklist = checklist_for(workspace)
    return {"workspace": workspace, "checklist": checklist}


@register.inclusion_tag("onboarding/_checklist.html", takes_context=True)
def start_checklist(context, workspace, page: str = "dashboard") -> dict:
    """The checklist card, the person's rights (`can`) deciding between a link and "ask an admin".

    On the dashboard (`page="dashboard"`) a hidden checklist is not shown; the start page always shows it.
    """
    with workspace_scope(workspace):
        checklist = checklist_for(workspace)
    return {
        "workspace": workspace,
        "checklist": checklist,
        "can": context.get("can", {}),
        "csrf_token": context.get("csrf_token"),
        "shown": page != "dashboard" or not checklist.dismissed,
    }


@register.inclusion_tag("onboarding/_template_links.html")
def csv_template_links(workspace) -> dict:
    return {"templates": template_links(workspace)}
