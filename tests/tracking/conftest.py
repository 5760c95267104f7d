from __future__ import annotations

import pytest

from tracking.sites import SiteSettings, site_key_create

ORIGIN = "https://www.acme.example"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def settings_for(**changes) -> SiteSettings:
    values = {
        "name": "www",
        "allowed_origins": [ORIGIN],
        "honour_dnt": True,
        "capture_forms": False,
        "campaign_parameter": "utm_campaign",
    }
    return SiteSettings(**{**values, **changes})


@pytest.fixture
def site_key(workspace):
    return site_key_create(workspace=workspace, settings=settings_for())


@pytest.fixture
def send(client):
    """POST one event as a browser on ORIGIN would (text/plain JSON), from `address` with `agent`."""

    def post(token, event, *, origin=ORIGIN, address="203.0.113.7", agent=CHROME, **headers):
        import json

        body = event if isinstance(event, (str, bytes)) else json.dumps(event)
        return client.post(
            f"/t/collect?site={token}",
            data=body,
            content_type="text/plain;charset=UTF-8",
            HTTP_ORIGIN=origin,
            REMOTE_ADDR=address,
            HTTP_USER_AGENT=agent,
            **headers,
        )

    return post
