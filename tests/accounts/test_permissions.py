"""The README's permission matrix, a test per row.

Each row: an action, and for each role whether it is allowed. Allowed answers
200/302; refused answers 403 to people of the same agency and 404 to an
outsider (another agency's owner), who must not learn the workspace exists.
"""

import pytest
from django.core import mail

from accounts.models import WorkspaceMembership
from accounts.services import api_key_create
from sharing.services import share_link_create
from tests.factories import ROLES

EVERYONE_IN = {"agency_owner", "agency_admin", "agency_member", "ws_admin", "ws_editor", "ws_viewer"}
WS_MANAGERS = {"agency_owner", "agency_admin", "ws_admin"}
AGENCY_MANAGERS = {"agency_owner", "agency_admin"}
AGENCY_PEOPLE = {"agency_owner", "agency_admin", "agency_member"}

# action: (method, url template, data, roles allowed, roles that may know the target exists)
MATRIX = {
    "view the workspace": ("get", "/w/{ws}/", None, EVERYONE_IN, EVERYONE_IN),
    "see the people of the workspace": ("get", "/w/{ws}/members/", None, EVERYONE_IN, EVERYONE_IN),
    "see the workspace's data health": ("get", "/w/{ws}/health/", None, EVERYONE_IN, EVERYONE_IN),
    "turn one's own daily digest on or off": (
        "post",
        "/account/digest/",
        {"enabled": "on", "hour": "8", "time_zone": "UTC"},
        set(ROLES),
        set(ROLES),
    ),
    "invite to the workspace": (
        "post",
        "/w/{ws}/members/",
        {"email": "new@x.example", "role": "viewer"},
        WS_MANAGERS,
        EVERYONE_IN,
    ),
    "change a client member's role": (
        "post",
        "/w/{ws}/members/{membership}/",
        {"role": "editor"},
        WS_MANAGERS,
        EVERYONE_IN,
    ),
    "list and create API keys": ("post", "/w/{ws}/api-keys/", {"name": "k"}, WS_MANAGERS, EVERYONE_IN),
    "revoke an API key": ("post", "/w/{ws}/api-keys/{key}/revoke/", {}, WS_MANAGERS, EVERYONE_IN),
    "list and create share links": (
        "post",
        "/w/{ws}/share-links/",
        {"name": "Board", "target": "dashboard", "range_kind": "last_30"},
        WS_MANAGERS,
        EVERYONE_IN,
    ),
    "revoke a share link": ("post", "/w/{ws}/share-links/{link}/revoke/", {}, WS_MANAGERS, EVERYONE_IN),
    "edit workspace and KPI settings": ("get", "/w/{ws}/settings/", None, WS_MANAGERS, EVERYONE_IN),
    "change the client's logo": ("post", "/w/{ws}/settings/logo/", {"remove_logo": "on"}, WS_MANAGERS, EVERYONE_IN),
    "create a client workspace": (
        "post",
        "/workspaces/new/",
        {"name": "New", "currency": "USD", "time_zone": "UTC"},
        AGENCY_MANAGERS,
        EVERYONE_IN,
    ),
    "export the whole workspace": ("post", "/w/{ws}/export/", {}, WS_MANAGERS, EVERYONE_IN),
    "delete a client workspace": ("get", "/w/{ws}/delete/", None, {"agency_owner"}, EVERYONE_IN),
    "manage the agency team": ("get", "/agency/{agency}/members/", None, AGENCY_MANAGERS, AGENCY_PEOPLE),
    "invite agency staff": (
        "post",
        "/agency/{agency}/members/",
        {"email": "s@x.example", "role": "member"},
        AGENCY_MANAGERS,
        AGENCY_PEOPLE,
    ),
    "edit the agency's brand": ("get", "/agency/{agency}/brand/", None, AGENCY_MANAGERS, AGENCY_PEOPLE),
    # Turning the rule off needs no factor of one's own (turning it on does: test_second_factor_rule.py).
    "require a second factor of staff": (
        "post",
        "/agency/{agency}/security/",
        {},
        {"agency_owner"},
        AGENCY_PEOPLE,
    ),
    "see and export the workspace's audit log": ("get", "/w/{ws}/audit/", None, WS_MANAGERS, EVERYONE_IN),
    "see and export the agency's audit log": ("get", "/agency/{agency}/audit/", None, AGENCY_MANAGERS, AGENCY_PEOPLE),
}


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(action, role, people, workspace, client_for):
    method, template, data, allowed, insiders = MATRIX[action]
    membership = WorkspaceMembership.objects.get(user=people["ws_viewer"])
    key, _ = api_key_create(workspace=workspace, name="k")
    link, _ = share_link_create(workspace=workspace, name="l", target="dashboard", range_kind="last_7")
    url = template.format(
        ws=workspace.slug, agency=workspace.agency.slug, membership=membership.pk, key=key.pk, link=link.pk
    )
    response = getattr(client_for(people[role]), method)(url, data or {})
    if role in allowed:
        assert response.status_code in (200, 302), f"{role} should be allowed to {action}"
    else:
        expected = 403 if role in insiders else 404
        if action == "create a client workspace" and role == "outsider":
            expected = 302  # an outsider owns their own agency: the workspace lands there, not here
        assert response.status_code == expected, f"{role} must not {action}"
    if role not in allowed and method == "post":
        assert mail.outbox == []
