"""Top pages: page views, entries, exits and exit rate per normalised URL, by hand from a small fixture.

Sessions (UTC workspace), the period being 10–11 January:
- A: 9 Jan 23:50 /pricing, 10 Jan 00:05 /docs/ — starts before the period: none of it counts in it;
- B: 10 Jan 10:00 home (with a query), 10:01 /pricing?plan=pro, 10:05 /docs#intro;
- C: 10 Jan 12:00 /pricing/ — a bounce;
- D: 11 Jan 09:00 home and /docs at the same instant, external ids "d-1" and "d-2": home is the entry;
- a page view without a session on 10 Jan, /pricing.

In the period: home 2 views (B, D), 2 entries, 0 exits; /pricing 3 views (B, C, no session), 1 entry
and 1 exit (C); /docs 2 views (B, D), 0 entries, 2 exits (B, D). A's /docs view of 10 Jan counts
with its session, on 9 Jan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Touchpoint
from kpis.models import PageDay
from kpis.selectors import kpis_for_period, top_pages
from kpis.services import recompute_rollups
from tests.data_factories import CampaignFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

HOME, PRICING, DOCS = "https://example.com/", "https://example.com/pricing", "https://example.com/docs"
PERIOD = {"first_day": date(2026, 1, 10), "last_day": date(2026, 1, 11)}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def view(workspace, session: str, moment: datetime, url: str, **fields) -> Touchpoint:
    return TouchpointFactory(
        workspace=workspace, kind="page_view", session_id=session, visitor_id=f"v-{session}",
        occurred_at=moment, url=url, **fields,
    )  # fmt: skip


@pytest.fixture
def sessions(workspace):
    return add_sessions(workspace)


def add_sessions(workspace):
    """The sessions of this module's docstring, recomputed; returns the campaign of session B."""
    ads = CampaignFactory(workspace=workspace, external_id="ads", channel="paid_search")
    view(workspace, "A", at(9, 23, 50), "https://example.com/pricing")
    view(workspace, "A", at(10, 0, 5), "https://example.com/docs/")
    view(workspace, "B", at(10, 10), "https://Example.COM/?utm_source=news", campaign=ads)
    view(workspace, "B", at(10, 10, 1), "https://example.com/pricing?plan=pro")
    view(workspace, "B", at(10, 10, 5), "https://example.com/docs#intro")
    view(workspace, "C", at(10, 12), "https://example.com/pricing/")
    view(workspace, "D", at(11, 9), "https://example.com/docs", external_id="d-2")
    view(workspace, "D", at(11, 9), "https://example.com", external_id="d-1")
    view(workspace, "", at(10, 15), "https://example.com/pricing#faq")
    recompute_rollups(workspace_id=workspace.pk)
    return ads


def table(workspace, **kwargs) -> list[tuple]:
    kwargs = {**PERIOD, **kwargs}
    _count, rows = top_pages(workspace=workspace, **kwargs)
    return [(r.url, r.page_views, r.entries, r.exits, r.exit_rate) for r in rows]


def test_top_pages_of_a_period_by_hand(workspace, sessions):
    assert table(workspace) == [
        (PRICING, 3, 1, 1, pytest.approx(1 / 3)),
        (HOME, 2, 2, 0, 0.0),
        (DOCS, 2, 0, 2, 1.0),
    ]
    count, _rows = top_pages(workspace=workspace, **PERIOD)
    assert count == 3


def test_entries_and_exits_sum_to_the_sessions_of_the_period(workspace, sessions):
    rows = table(workspace)
    kpis = kpis_for_period(workspace=workspace, metrics=["sessions", "pages_per_session"], **PERIOD)
    assert sum(r[2] for r in rows) == sum(r[3] for r in rows) == kpis["sessions"] == 3
    # The session page views (pages per session × sessions) plus the one without a session.
    assert sum(r[1] for r in rows) == round(kpis["pages_per_session"] * 3) + 1 == 7


def test_a_session_counts_on_the_day_it_started_with_all_its_page_views(workspace, sessions):
    first_day = {"first_day": date(2026, 1, 9), "last_day": date(2026, 1, 9)}
    assert table(workspace, **first_day) == [(DOCS, 1, 0, 1, 1.0), (PRICING, 1, 1, 0, 0.0)]


def test_sorting_paging_and_narrowing(workspace, sessions):
    assert [r[0] for r in table(workspace, sort="exit_rate")] == [DOCS, PRICING, HOME]
    assert [r[0] for r in table(workspace, sort="entries", descending=False)] == [DOCS, PRICING, HOME]
    assert [r[0] for r in table(workspace, sort="url", descending=False)] == [HOME, DOCS, PRICING]
    assert [r[0] for r in table(workspace, offset=1, limit=1)] == [HOME]
    assert table(workspace, offset=5, limit=10) == []
    # Session B came from the ads campaign (its first page view's): all its pages, and only them.
    assert table(workspace, campaign=sessions) == [
        (HOME, 1, 1, 0, 0.0), (DOCS, 1, 0, 1, 1.0), (PRICING, 1, 0, 0, 0.0),
    ]  # fmt: skip
    assert table(workspace, channel="paid_search") == table(workspace, campaign=sessions)
    assert table(workspace, channel="email") == []


def page_days(workspace) -> list[tuple]:
    with workspace_scope(workspace):
        return sorted(
            PageDay.objects.values_list("day", "campaign_id", "url", "page_views", "entries", "exits"), key=repr
        )


def test_a_late_page_view_moves_the_exit_of_a_session_begun_before_the_span(workspace, sessions):
    view(workspace, "A", at(10, 0, 20), "https://example.com/contact")
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 10), last_day=date(2026, 1, 10))
    partial = page_days(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == page_days(workspace)
    first_day = {"first_day": date(2026, 1, 9), "last_day": date(2026, 1, 9)}
    assert table(workspace, **first_day)[0] == ("https://example.com/contact", 1, 0, 1, 1.0)


def test_an_edited_url_in_the_span_rebuilds_its_session_s_earlier_day(workspace, sessions):
    with workspace_scope(workspace):
        Touchpoint.objects.filter(session_id="A", url="https://example.com/docs/").update(
            url="https://example.com/blog"
        )
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 10), last_day=date(2026, 1, 10))
    first_day = {"first_day": date(2026, 1, 9), "last_day": date(2026, 1, 9)}
    assert [r[0] for r in table(workspace, **first_day)] == ["https://example.com/blog", PRICING]
    partial = page_days(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == page_days(workspace)


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("HTTPS://Example.com", "https://example.com/"),
        ("https://example.com/?a=1#b", "https://example.com/"),
        ("https://example.com/Docs/Intro/", "https://example.com/Docs/Intro"),
        ("https://example.com//", "https://example.com/"),
        ("http://example.com:8080/a?x#y", "http://example.com:8080/a"),
        ("https://example.com#top", "https://example.com/"),
        ("/relative/path/?q", "/relative/path"),
        ("", ""),
    ],
)
def test_urls_are_normalised(workspace, written, normalised):
    view(workspace, "S", at(10, 10), written)
    recompute_rollups(workspace_id=workspace.pk)
    assert [r[0] for r in table(workspace)] == [normalised]


def test_another_workspace_s_pages_never_show(workspace, other_workspace, sessions):
    view(other_workspace, "X", at(10, 10), "https://other.example/secret")
    recompute_rollups(workspace_id=other_workspace.pk)
    assert [r[0] for r in table(workspace)] == [PRICING, HOME, DOCS]
    assert [r[0] for r in table(other_workspace)] == ["https://other.example/secret"]


# ---------------------------------------------------------------- the API

API = "/api/v1/kpis/pages/"
QUERY = {"from": "2026-01-10", "to": "2026-01-11"}


def test_the_api_pages_the_rows_by_page_views(api_client, sessions):
    answer = api_client.get(API, {**QUERY, "page_size": "2"}).json()
    assert (answer["count"], answer["page"], answer["page_size"], answer["previous"]) == (3, 1, 2, None)
    assert answer["rows"] == [
        {"url": PRICING, "page_views": 3, "entries": 1, "exits": 1, "exit_rate": pytest.approx(1 / 3)},
        {"url": HOME, "page_views": 2, "entries": 2, "exits": 0, "exit_rate": 0.0},
    ]
    second = api_client.get(answer["next"]).json()
    assert second["rows"] == [{"url": DOCS, "page_views": 2, "entries": 0, "exits": 2, "exit_rate": 1.0}]
    assert second["next"] is None and "page=1" in second["previous"]
    narrowed = api_client.get(API, {**QUERY, "campaign": "ads"}).json()
    assert [row["url"] for row in narrowed["rows"]] == [HOME, DOCS, PRICING]


def test_the_api_answers_an_empty_period_with_no_rows(api_client, sessions):
    answer = api_client.get(API, {"from": "2025-01-01", "to": "2025-01-31"}).json()
    assert (answer["count"], answer["rows"], answer["next"]) == (0, [], None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1.5"}, "page_size"),
        ({"page": "-1"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"to": "2026-01-01"}, "to"),
        ({"campaign": "nope"}, "campaign"),
        ({"sort": "url"}, "sort"),
    ],
)
def test_the_api_refuses_bad_parameters(api_client, sessions, params, field):
    response = api_client.get(API, {**QUERY, **params})
    assert response.status_code == 400
    assert field in response.json()


def test_another_workspace_s_key_sees_only_its_own_pages(other_api_client, other_workspace, sessions):
    view(other_workspace, "X", at(10, 10), "https://other.example/")
    recompute_rollups(workspace_id=other_workspace.pk)
    answer = other_api_client.get(API, QUERY).json()
    assert [row["url"] for row in answer["rows"]] == ["https://other.example/"]
    # The first workspace's campaign is unknown to the other key.
    assert other_api_client.get(API, {**QUERY, "campaign": "ads"}).status_code == 400


# ---------------------------------------------------------------- against a reference


def reference(views: list[dict], first: date, last: date) -> dict[str, tuple[int, int, int]]:
    """Top pages by the definition of docs/kpis.md, in Python: (views, entries, exits) per normalised URL."""

    def normalised(url: str) -> str:
        url = url.split("#")[0].split("?")[0]
        origin, _, path = url.partition("://")[2].partition("/")
        scheme = url.split("://")[0].lower()
        path = ("/" + path).rstrip("/") or "/"
        return f"{scheme}://{origin.lower()}{path}"

    pages: dict[str, list[int]] = {}
    sessions: dict[str, list[dict]] = {}
    for v in views:
        if v["session_id"]:
            sessions.setdefault(v["session_id"], []).append(v)
        elif first <= v["occurred_at"].date() <= last:
            pages.setdefault(normalised(v["url"]), [0, 0, 0])[0] += 1
    for session in sessions.values():
        ordered = sorted(session, key=lambda v: (v["occurred_at"], v["external_id"] is None, v["external_id"] or ""))
        if not first <= ordered[0]["occurred_at"].date() <= last:
            continue
        for position, v in enumerate(ordered):
            counts = pages.setdefault(normalised(v["url"]), [0, 0, 0])
            counts[0] += 1
            counts[1] += position == 0
            counts[2] += position == len(ordered) - 1
    return {url: tuple(counts) for url, counts in pages.items()}


def test_random_sessions_agree_with_the_reference_after_full_and_partial_recomputes(workspace):
    import random

    rng = random.Random(17)
    urls = ["https://Ex.com/", "https://ex.com/a/", "https://ex.com/a?x=1", "https://ex.com/b#c", "https://ex.com"]
    views = []
    for number in range(120):
        moment = at(rng.randint(1, 12), rng.randint(0, 23), rng.choice((0, 0, 30)))
        session = rng.choice(["", *(f"s{i}" for i in range(25))])
        external_id = rng.choice([None, f"e{number:03d}", f"d{number:03d}"])
        views.append(
            {"session_id": session, "occurred_at": moment, "url": rng.choice(urls), "external_id": external_id}
        )
    for v in views[:80]:
        view(workspace, v["session_id"], v["occurred_at"], v["url"], external_id=v["external_id"])
    recompute_rollups(workspace_id=workspace.pk)
    for v in views[80:]:  # later arrivals, each day recomputed alone as pushes do
        view(workspace, v["session_id"], v["occurred_at"], v["url"], external_id=v["external_id"])
        day = v["occurred_at"].date()
        recompute_rollups(workspace_id=workspace.pk, first_day=day, last_day=day)
    partial = page_days(workspace)
    for first, last in ((date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 1, 4), date(2026, 1, 6))):
        got = {r[0]: r[1:4] for r in table(workspace, first_day=first, last_day=last)}
        assert got == reference(views, first, last)
    recompute_rollups(workspace_id=workspace.pk)
    assert page_days(workspace) == partial
