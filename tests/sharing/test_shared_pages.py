"""/s/<token>/: what a share link opens, and what it never does."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tenancy import workspace_scope
from sharing.models import ShareLink
from sharing.services import share_link_revoke

pytestmark = pytest.mark.django_db

A_SPEND = 'data-kpi="spend" data-value="1234.00"'


def test_the_database_holds_only_the_tokens_hash(make_link, workspace):
    link, token = make_link(password="correct horse battery")
    assert len(token) >= 43
    with workspace_scope(workspace):
        row = ShareLink.objects.values().get(pk=link.pk)
    assert token not in repr(row)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert "correct horse battery" not in repr(row) and row["password_hash"].count("$") >= 1


def test_a_dashboard_link_shows_its_workspace_and_nothing_of_another(client, fixed_clock, figures, make_link):
    _link, token = make_link()
    response = client.get(f"/s/{token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert A_SPEND in html
    assert "9876" not in html and "Globex" not in html
    # The query string never reaches the page: B's campaign (or any range) cannot be asked for.
    response = client.get(f"/s/{token}/?campaign=globex-secret&range=custom&from=2020-01-01&to=2026-12-31")
    assert A_SPEND in response.content.decode() and "9876" not in response.content.decode()
    assert response.context["period"].first == date(2026, 11, 3)
    # No route under a link names another object: B's campaign by id is a 404.
    b_id = figures["b_campaign"].external_id
    assert client.get(f"/s/{token}/campaigns/{b_id}/").status_code == 404
    assert client.get(f"/s/{token}/campaigns/{figures['b_campaign'].pk}/").status_code == 404


def test_the_shared_page_has_no_navigation_no_links_into_the_app_and_no_drill_down(
    client, fixed_clock, figures, make_link, workspace
):
    _link, token = make_link()
    html = client.get(f"/s/{token}/").content.decode()
    assert f"/w/{workspace.slug}/" not in html
    assert 'class="subnav"' not in html and "switcher" not in html
    assert "/records/" not in html and "export=" not in html and "/api/v1/" not in html
    assert 'href="/"' not in html and "Log in" not in html


def test_charts_come_from_the_links_own_chart_routes_for_its_range(client, fixed_clock, figures, make_link):
    _link, token = make_link(target="campaign", campaign=figures["a_campaign"], range_kind="fixed",
                             starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 21))  # fmt: skip
    html = client.get(f"/s/{token}/").content.decode()
    assert f'data-chart-url="/s/{token}/charts/spend-leads/' in html
    chart = client.get(f"/s/{token}/charts/spend-leads/?from=2020-01-01&to=2026-12-31").json()
    assert (chart["from"], chart["to"]) == ("2026-11-20", "2026-11-21")
    assert chart["datasets"][0]["data"] == [1234.0, 0.0]
    # Its CSV is the same numbers (the format is the one parameter a chart keeps).
    csv = client.get(f"/s/{token}/charts/spend-leads/?format=csv&from=2020-01-01")
    assert csv["Content-Type"].startswith("text/csv") and "1234.0" in csv.content.decode()
    # A workspace-wide chart is not part of a campaign's page.
    assert client.get(f"/s/{token}/charts/attribution/").status_code == 404


def test_revoked_expired_and_unknown_links_are_the_same_404(client, fixed_clock, figures, make_link):
    revoked, revoked_token = make_link()
    share_link_revoke(revoked)
    _expired, expired_token = make_link(expires_at=timezone.now() + timedelta(hours=1))
    fixed_clock.shift(timedelta(hours=2))
    unknown = "x" * 43
    answers = [client.get(f"/s/{t}/") for t in (revoked_token, expired_token, unknown)]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.content for a in answers}) == 1
    assert "This link opens nothing" in answers[0].content.decode() and "Acme" not in answers[0].content.decode()
    assert answers[0]["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(f"/s/{expired_token}/charts/spend-leads/").status_code == 404


def test_a_password_opens_the_link_for_this_session_only(client, fixed_clock, figures, make_link, workspace):
    _link, token = make_link(password="correct horse battery")
    _other, other_token = make_link(password="correct horse battery")
    response = client.get(f"/s/{token}/")
    assert response.status_code == 200 and A_SPEND not in response.content.decode()
    assert 'name="password"' in response.content.decode() and "Acme" not in response.content.decode()
    assert client.get(f"/s/{token}/charts/spend-leads/").status_code == 404
    wrong = client.post(f"/s/{token}/", {"password": "wrong guess!"})
    assert wrong.status_code == 403 and "not the password" in wrong.content.decode()
    right = client.post(f"/s/{token}/", {"password": "correct horse battery"})
    assert right.status_code == 302 and right["Location"] == f"/s/{token}/"
    assert A_SPEND in client.get(f"/s/{token}/").content.decode()
    assert client.get(f"/s/{token}/charts/spend-leads/").status_code == 200
    # The session flag names that link only, and opens nothing of the app.
    assert A_SPEND not in client.get(f"/s/{other_token}/").content.decode()
    assert client.get(f"/w/{workspace.slug}/").status_code == 302
    assert client.get(f"/w/{workspace.slug}/charts/spend-leads/").status_code == 302


def test_the_password_form_needs_csrf(fixed_clock, make_link):
    _link, token = make_link(password="correct horse battery")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/s/{token}/", {"password": "correct horse battery"}).status_code == 403
    assert "share-unlocked" not in str(dict(strict.session))


def test_wrong_passwords_are_throttled_per_link_and_address(
    client, fixed_clock, figures, make_link, settings, clock_cache
):
    settings.SHARE_LINK_PASSWORD_FAILURES = (3, 900)
    _link, token = make_link(password="correct horse battery")
    codes = [client.post(f"/s/{token}/", {"password": f"guess {i}"}).status_code for i in range(3)]
    assert codes == [403, 403, 429]
    # Locked: even the right password is refused from this address for the window…
    assert client.post(f"/s/{token}/", {"password": "correct horse battery"}).status_code == 429
    # …but not from another address (another browser).
    other = Client().post(f"/s/{token}/", {"password": "correct horse battery"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302
    fixed_clock.shift(timedelta(seconds=901))
    assert client.post(f"/s/{token}/", {"password": "correct horse battery"}).status_code == 302


def test_a_rolling_range_is_computed_at_view_time_in_the_workspaces_zone(client, figures, make_link, workspace):
    workspace.time_zone = "America/New_York"
    workspace.save()
    _link, token = make_link(range_kind="last_month")
    # 1 Dec 2026 03:00 UTC is still 30 Nov in New York: last month is October there.
    with time_machine.travel(datetime(2026, 12, 1, 3, 0, tzinfo=UTC)):
        period = client.get(f"/s/{token}/").context["period"]
    assert (period.first, period.last) == (date(2026, 10, 1), date(2026, 10, 31))
    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=UTC)):
        period = client.get(f"/s/{token}/").context["period"]
    assert (period.first, period.last) == (date(2026, 11, 1), date(2026, 11, 30))


def test_a_fixed_range_stays_put(client, figures, make_link):
    _link, token = make_link(range_kind="fixed", starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30))
    with time_machine.travel(datetime(2027, 3, 1, 12, 0, tzinfo=UTC)):
        response = client.get(f"/s/{token}/")
    assert (response.context["period"].first, response.context["period"].last) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert A_SPEND in response.content.decode()


def test_personal_data_is_absent_by_default_and_present_when_allowed(client, fixed_clock, figures, make_link):
    _closed, closed_token = make_link(target="campaign", campaign=figures["a_campaign"])
    _open, open_token = make_link(target="campaign", campaign=figures["a_campaign"], allow_personal_data=True)
    closed = client.get(f"/s/{closed_token}/").content.decode()
    assert "Spring launch" in closed and A_SPEND in closed
    assert "jane.doe@client.example" not in closed and "Leads sourced" not in closed
    opened = client.get(f"/s/{open_token}/").content.decode()
    assert "jane.doe@client.example" in opened and "Leads sourced" in opened
    # Its lists page like the campaign's own (50 a page); the campaign stays the link's.
    assert "jane.doe@client.example" in client.get(f"/s/{open_token}/?leads_page=1&campaign=x").content.decode()
    # Exports of the records never go through a link, allowed or not.
    export = client.get(f"/s/{open_token}/?export=leads")
    assert export["Content-Type"].startswith("text/html")


def test_the_report_link_shows_the_report(client, fixed_clock, figures, make_link):
    _link, token = make_link(target="report")
    response = client.get(f"/s/{token}/")
    assert response.status_code == 200 and "marketing report" in response.content.decode()
    assert 'data-kpi="spend" data-value="1234.00"' in response.content.decode()


def test_shared_answers_are_noindex_uncached_and_under_a_strict_csp(client, fixed_clock, figures, make_link):
    _link, token = make_link()
    for url in (f"/s/{token}/", f"/s/{token}/charts/spend-leads/"):
        response = client.get(url)
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "base-uri 'none'" in csp and "unsafe" not in csp
    assert '<meta name="robots" content="noindex, nofollow">' in client.get(f"/s/{token}/").content.decode()
    # The password form too.
    _locked, locked_token = make_link(password="correct horse battery")
    assert client.get(f"/s/{locked_token}/")["X-Robots-Tag"] == "noindex, nofollow"


def test_each_link_has_a_request_budget(client, fixed_clock, figures, make_link, settings):
    settings.SHARE_LINK_RATE_LIMIT = (3, 60)
    _link, token = make_link()
    _other, other_token = make_link()
    codes = [client.get(f"/s/{token}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(f"/s/{token}/charts/spend-leads/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.content.decode()
    assert client.get(f"/s/{other_token}/").status_code == 200


def test_views_are_counted_with_the_last_view_time(client, fixed_clock, figures, make_link, workspace):
    link, token = make_link()
    client.get(f"/s/{token}/")
    client.get(f"/s/{token}/")
    client.get(f"/s/{token}/charts/spend-leads/")  # a chart is part of the view, not another one
    with workspace_scope(workspace):
        link.refresh_from_db()
    assert link.view_count == 2
    assert abs(link.last_viewed_at - timezone.now()) < timedelta(minutes=1)


def test_a_shared_page_opens_only_by_get(client, fixed_clock, figures, make_link):
    _link, token = make_link()
    assert client.post(f"/s/{token}/").status_code == 405
