"""The workspace navigation: its groups and items, one line per page.

Add a page with one `NavItem(label, route)` line in the group it belongs to. `route` is a URL name
taking the workspace's slug; a route that does not resolve (its app not installed on this branch) is
left out. `capability` shows the item only to roles with it (`can` of accounts/roles.py). The item
whose address is the longest prefix of the current page's is marked current; `exact` items only
match themselves, `also` lists sub-paths of the workspace that belong to the item too.
Links of an analysis group carry the page's range, grain, comparison and narrowing (view_state.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    capability: str | None = None
    exact: bool = False
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    items: tuple[NavItem, ...]
    carries_state: bool = False


WORKSPACE_NAV: tuple[NavGroup, ...] = (
    NavGroup(
        "analysis",
        "Analysis",
        carries_state=True,
        items=(
            NavItem("Overview", "workspace-home", exact=True, also=("records/",)),
            NavItem("Campaigns", "kpis-campaigns"),
            NavItem("Web", "kpis-web"),
            NavItem("ABM", "kpis-abm"),
            NavItem("Attribution", "kpis-attribution"),
            NavItem("Targets", "kpis-targets"),
            NavItem("Annotations", "kpis-annotations"),
            NavItem("Report", "kpis-report"),
        ),
    ),
    NavGroup(
        "manage",
        "Manage",
        items=(
            NavItem("Data", "data-home"),
            NavItem("Data health", "health"),
            NavItem("Alerts", "alerts-list"),
            NavItem("Scheduled reports", "reports-home"),
            NavItem("People", "workspace-members"),
            NavItem("Integrations", "onboarding-integrations"),
            NavItem("API keys", "api-keys", capability="manage_workspace"),
            NavItem("Share links", "share-links", capability="manage_workspace"),
            NavItem("Audit log", "workspace-audit", capability="manage_workspace"),
            NavItem("Settings", "workspace-settings", capability="manage_workspace", also=("export/", "delete/")),
        ),
    ),
)

# The analysis pages (route names): the workspace switcher keeps the person on the same one.
ANALYSIS_ROUTES = frozenset(item.route for group in WORKSPACE_NAV if group.carries_state for item in group.items)


@dataclass
class NavLink:
    label: str
    url: str
    query: str
    current: bool = False


def _url(route: str, slug: str) -> str | None:
    try:
        return reverse(route, args=[slug])
    except NoReverseMatch:
        return None


def _matches(item: NavItem, url: str, home: str, path: str) -> int:
    """How specific the item's match of `path` is (its address's length), 0 when it does not match."""
    if path == url:
        return len(url) + 1
    if any(path.startswith(home + sub) for sub in item.also):
        return len(home) + 1
    if not item.exact and path.startswith(url):
        return len(url)
    return 0


def workspace_nav(*, slug: str, path: str, can: dict, state_query: str) -> list[tuple[NavGroup, list[NavLink]]]:
    """The groups with the links this person sees, the current page's marked."""
    home = _url("workspace-home", slug) or "/"
    groups, best, current = [], 0, None
    for group in WORKSPACE_NAV:
        links = []
        for item in group.items:
            url = _url(item.route, slug)
            if url is None or (item.capability and not can.get(item.capability)):
                continue
            link = NavLink(item.label, url, state_query if group.carries_state else "")
            score = _matches(item, url, home, path)
            if score > best:
                best, current = score, link
            links.append(link)
        groups.append((group, links))
    if current is not None:
        current.current = True
    return [(group, links) for group, links in groups if links]
