"""The collector: what it writes for a site's events, and what it refuses (cheaply, never a 500)."""

from __future__ import annotations

import json

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Lead, Touchpoint
from tests.tracking.conftest import FIREFOX, ORIGIN, settings_for
from tracking.models import CampaignValue, TrackedSession
from tracking.sites import site_key_create, site_key_revoke

pytestmark = pytest.mark.django_db

PAGE = f"{ORIGIN}/pricing"


def _touchpoints(workspace, **filters):
    with workspace_scope(workspace):
        return list(Touchpoint.objects.filter(**filters).order_by("id"))


def _sessions(workspace):
    with workspace_scope(workspace):
        return list(TrackedSession.objects.order_by("id"))


def test_a_page_view_is_a_touchpoint_and_a_session(workspace, site_key, send, fixed_clock):
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="spring-sale", name="Spring sale", channel="paid_search")
    landing = f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&email=x@y.example"
    response = send(site_key.token, {"e": "pageview", "u": landing, "r": "https://www.google.com/"})
    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Set-Cookie" not in response and not response.cookies
    [view] = _touchpoints(workspace)
    assert view.kind == "page_view"
    assert view.url == f"{ORIGIN}/"  # the query string (which may hold personal data) is not kept
    assert view.campaign.external_id == "spring-sale"
    assert len(view.visitor_id) == 32 and len(view.session_id) == 32
    [session] = _sessions(workspace)
    assert (session.session_id, session.landing_path, session.referrer_host) == (view.session_id, "/", "www.google.com")
    assert (session.utm_source, session.utm_medium, session.utm_campaign) == ("google", "cpc", "spring-sale")
    assert session.channel == "paid_search"
    assert session.campaign.external_id == "spring-sale"


@pytest.mark.usefixtures("clock_cache")
def test_page_views_within_30_minutes_are_one_session_and_the_visitor_is_per_browser(
    workspace, site_key, send, fixed_clock
):
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/?utm_campaign=spring-sale"})
    fixed_clock.shift(29 * 60)
    send(site_key.token, {"e": "pageview", "u": PAGE, "r": f"{ORIGIN}/"})
    send(site_key.token, {"e": "pageview", "u": PAGE}, agent=FIREFOX)  # another browser, same address
    fixed_clock.shift(31 * 60)
    send(site_key.token, {"e": "pageview", "u": PAGE})  # past 30 minutes: a new session, same visitor
    first, second, other, later = _touchpoints(workspace)
    assert first.session_id == second.session_id != later.session_id
    assert first.visitor_id == second.visitor_id == later.visitor_id != other.visitor_id
    assert other.session_id not in (first.session_id, later.session_id)
    assert len(_sessions(workspace)) == 3
    # The campaign of the landing page carries to the session's other views; unknown, it is listed.
    assert [v.campaign_id for v in (first, second)] == [None, None]
    with workspace_scope(workspace):
        assert list(CampaignValue.objects.values_list("value", "sessions", "campaign")) == [("spring-sale", 1, None)]


def test_the_visitor_id_changes_with_the_day(workspace, site_key, send, fixed_clock):
    send(site_key.token, {"e": "pageview", "u": PAGE})
    fixed_clock.shift(24 * 3600)
    send(site_key.token, {"e": "pageview", "u": PAGE})
    yesterday, today = _touchpoints(workspace)
    assert yesterday.visitor_id != today.visitor_id
    from tracking.models import DailySalt

    assert DailySalt.objects.count() == 1  # yesterday's salt is gone


def test_a_mapped_campaign_value_counts_for_its_campaign_from_then_on(
    workspace, site_key, send, member_client, fixed_clock
):
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/?utm_campaign=SPRING"}, address="198.51.100.1")
    with workspace_scope(workspace):
        campaign = Campaign.objects.create(external_id="c-1", name="Spring sale", channel="email")
        value = CampaignValue.objects.get()
    response = member_client.post(
        f"/w/{workspace.slug}/web/campaign-values/", {"value": value.pk, "campaign": campaign.pk}
    )
    assert response.status_code == 302
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/?utm_campaign=SPRING"}, address="198.51.100.2")
    # A campaign's name matches too (any case), with no mapping.
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/?utm_campaign=spring+sale"}, address="198.51.100.3")
    assert [t.campaign_id for t in _touchpoints(workspace)] == [None, campaign.pk, campaign.pk]


def test_control_characters_of_the_landing_url_are_dropped(workspace, site_key, send):
    landing = f"{ORIGIN}/?utm_campaign=sp%00ring%0A&utm_source=a%01b"
    assert send(site_key.token, {"e": "pageview", "u": landing}).status_code == 202
    [session] = _sessions(workspace)
    assert (session.utm_campaign, session.utm_source) == ("spring", "ab")


def test_a_configured_campaign_parameter(workspace, send):
    key = site_key_create(workspace=workspace, settings=settings_for(campaign_parameter="cid"))
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="c-9", name="Nine", channel="email")
    send(key.token, {"e": "pageview", "u": f"{ORIGIN}/?cid=c-9&utm_campaign=other"})
    assert _touchpoints(workspace)[0].campaign.external_id == "c-9"


def test_downloads_and_forms_belong_to_the_session(workspace, site_key, send):
    send(site_key.token, {"e": "pageview", "u": PAGE})
    send(site_key.token, {"e": "download", "u": PAGE, "h": f"{ORIGIN}/files/guide.pdf?x=1"})
    send(site_key.token, {"e": "outbound", "u": PAGE, "h": "https://elsewhere.example/"})
    send(site_key.token, {"e": "form", "u": PAGE, "m": "ana@client.example"})
    view, download, form = _touchpoints(workspace)
    assert (download.kind, download.url, download.session_id) == (
        "content_download",
        f"{ORIGIN}/files/guide.pdf",
        view.session_id,
    )
    assert (form.kind, form.lead_id) == ("form_submit", None)  # the site did not opt in: no lead
    assert _sessions(workspace)[0].outbound_clicks == 1
    with workspace_scope(workspace):
        assert not Lead.objects.exists()


def test_a_form_matches_or_creates_a_lead_only_when_the_site_allows(workspace, send):
    key = site_key_create(workspace=workspace, settings=settings_for(capture_forms=True))
    send(key.token, {"e": "form", "u": PAGE, "m": "Ana@Client.example"})
    send(key.token, {"e": "form", "u": PAGE, "m": "ana@client.example"}, address="198.51.100.9")
    send(key.token, {"e": "form", "u": PAGE, "m": "not an email"}, address="198.51.100.10")
    with workspace_scope(workspace):
        [lead] = Lead.objects.all()
    assert lead.email == "Ana@Client.example"
    assert [t.lead_id for t in _touchpoints(workspace)] == [lead.pk, lead.pk, None]


def test_bots_and_opted_out_browsers_are_dropped_silently(workspace, site_key, send):
    assert (
        send(
            site_key.token, {"e": "pageview", "u": PAGE}, agent="Googlebot/2.1 (+http://www.google.com/bot.html)"
        ).status_code
        == 202
    )
    assert send(site_key.token, {"e": "pageview", "u": PAGE}, agent="").status_code == 202
    assert send(site_key.token, {"e": "pageview", "u": PAGE}, HTTP_DNT="1").status_code == 202
    assert send(site_key.token, {"e": "pageview", "u": PAGE}, HTTP_SEC_GPC="1").status_code == 202
    assert send(site_key.token, {"e": "pageview", "u": PAGE, "d": 1}).status_code == 202
    assert _touchpoints(workspace) == []
    ignoring = site_key_create(workspace=workspace, settings=settings_for(honour_dnt=False))
    assert send(ignoring.token, {"e": "pageview", "u": PAGE}, HTTP_DNT="1").status_code == 202
    assert len(_touchpoints(workspace)) == 1


# ------------------------------------------------------------------------------------------- refusals


def test_a_disallowed_or_missing_origin_is_refused(workspace, site_key, send):
    for origin in ("https://evil.example", "http://www.acme.example", "https://www.acme.example:8443", ""):
        response = send(site_key.token, {"e": "pageview", "u": PAGE}, origin=origin)
        assert response.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in response
    assert _touchpoints(workspace) == []


def test_a_revoked_or_unknown_site_key_is_refused(workspace, site_key, send):
    assert send(site_key.token, {"e": "pageview", "u": PAGE}).status_code == 202  # cached as active
    site_key_revoke(site_key=site_key)
    assert send(site_key.token, {"e": "pageview", "u": PAGE}).status_code == 403
    assert send("site-0000", {"e": "pageview", "u": PAGE}).status_code == 403
    assert send("", {"e": "pageview", "u": PAGE}).status_code == 403
    assert len(_touchpoints(workspace)) == 1


def test_an_api_key_is_no_site_key_and_a_site_key_no_api_key(workspace, site_key, send, api_key, client):
    assert send(api_key, {"e": "pageview", "u": PAGE}).status_code == 403
    for path in ("/api/v1/kpis/?from=2026-01-01&to=2026-01-31", "/api/v1/touchpoints/", "/api/v1/workspace/"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {site_key.token}")
        assert response.status_code == 401, path
    response = client.post(
        "/api/v1/touchpoints/",
        data=json.dumps({"kind": "page_view", "occurred_at": "2026-01-01T00:00:00Z"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site_key.token}",
    )
    assert response.status_code == 401
    assert _touchpoints(workspace) == []


def test_a_10_mb_body_is_refused_before_it_is_read(workspace, site_key, client):
    big = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    response = client.post(f"/t/collect?site={site_key.token}", data=big, content_type="text/plain", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 413
    # Declared only: refused on the header alone (the view never reads the body).
    response = client.generic(
        "POST", f"/t/collect?site={site_key.token}", b"{}", CONTENT_LENGTH=str(10 * 1024 * 1024), HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"pageview"',
        b"null",
        b'{"e": "pageview"}',
        b'{"e": "click", "u": "https://www.acme.example/"}',
        b'{"e": ["pageview"], "u": "https://www.acme.example/"}',
        b'{"e": {"a": 1}, "u": "https://www.acme.example/"}',
        b'{"e": "pageview", "u": "http://[::1"}',
        b'{"e": "pageview", "u": "https://www.acme.example/", "r": "http://[x"}',
        b'{"e": "pageview", "u": "https://www.acme.example:99999/"}',
        b'{"e": "pageview", "u": "javascript:alert(1)"}',
        b'{"e": "pageview", "u": 12}',
        b'{"e": "pageview", "u": {"a": 1}}',
        b'{"e": "pageview", "u": "https://www.acme.example/\\u0000"}',
        b'{"e": "pageview", "u": "https://www.acme.example/", "r": "ftp://x"}',
        b'{"e": "download", "u": "https://www.acme.example/"}',
        b'{"e": "form", "u": "https://www.acme.example/", "m": ["a"]}',
        ('{"e": "pageview", "u": "https://www.acme.example/' + "a" * 3000 + '"}').encode(),
        b'{"e": "pageview", "u": "https://www.acme.example/", "x": ' + b"[" * 3500 + b"]" * 3500 + b"}",
        b'{"e": "pageview", "u": "https://www.acme.example/", "e": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_malformed_events_are_a_400_never_a_500(workspace, site_key, send, body):
    response = send(site_key.token, body)
    assert response.status_code in (400, 413), response.content
    assert _touchpoints(workspace) == []


def test_other_methods_and_preflights(site_key, client):
    assert client.get(f"/t/collect?site={site_key.token}").status_code == 405
    allowed = client.options(f"/t/collect?site={site_key.token}", HTTP_ORIGIN=ORIGIN)
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    refused = client.options(f"/t/collect?site={site_key.token}", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused


def test_a_flood_from_one_address_is_throttled_without_stopping_another_site(
    workspace, other_workspace, site_key, send, settings
):
    settings.TRACKING_ADDRESS_RATE = "5/min"
    other_key = site_key_create(
        workspace=other_workspace, settings=settings_for(allowed_origins=["https://globex.example"])
    )
    answers = [send(site_key.token, {"e": "pageview", "u": PAGE}, address="192.0.2.66").status_code for _ in range(8)]
    assert answers == [202] * 5 + [429] * 3
    refused = send(site_key.token, {"e": "pageview", "u": PAGE}, address="192.0.2.66")
    assert int(refused["Retry-After"]) >= 1
    # Another visitor of the same site, and another site's visitors, are still collected.
    assert send(site_key.token, {"e": "pageview", "u": PAGE}, address="192.0.2.67").status_code == 202
    other = send(
        other_key.token,
        {"e": "pageview", "u": "https://globex.example/"},
        origin="https://globex.example",
        address="192.0.2.68",
    )
    assert other.status_code == 202
    assert len(_touchpoints(workspace)) == 6
    assert len(_touchpoints(other_workspace)) == 1


def test_a_site_budget(workspace, site_key, send, settings):
    settings.TRACKING_SITE_RATE = "3/min"
    answers = [send(site_key.token, {"e": "pageview", "u": PAGE}, address=f"192.0.2.{i}").status_code for i in range(5)]
    assert answers == [202, 202, 202, 429, 429]


def test_the_script_is_cached_and_versioned(client):
    response = client.get("/t.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"sendBeacon" in response.content and len(response.content) < 5000
    assert "max-age=86400" in response["Cache-Control"]
    etag = response["ETag"]
    assert client.get("/t.js", HTTP_IF_NONE_MATCH=etag).status_code == 304
    versioned = client.get(f"/t.js?v={etag.strip(chr(34))}")
    assert "immutable" in versioned["Cache-Control"]
    assert not response.cookies


def test_with_a_shared_cache_a_revoke_holds_against_a_row_read_before_it(
    workspace, site_key, send, settings, django_assert_num_queries
):
    from django.core.cache import cache

    from tracking.sites import active_site_key

    settings.CACHE_URL = "redis://cache.invalid/1"  # only says "shared"; the tests' cache stays local memory
    row_read_before = active_site_key(site_key.token)  # read from the database and cached
    with django_assert_num_queries(0):
        assert active_site_key(site_key.token) == site_key
    site_key_revoke(site_key=site_key)
    # A request that read the row just before the revoke cannot put it back (add() keeps the mark).
    assert not cache.add(f"tracking:site:{site_key.token}", row_read_before, timeout=300)
    assert active_site_key(site_key.token) is None
    assert send(site_key.token, {"e": "pageview", "u": PAGE}).status_code == 403
