"""The ABM page's target accounts: scored, sorted and paged in SQL, with the numbers of the KPI engine."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis import abm, selectors
from kpis.services import recompute_rollups
from kpis.views import AbmView
from tests.data_factories import AccountFactory, TouchpointFactory

JANUARY = "range=custom&from=2026-01-01&to=2026-01-31"
END_OF_JANUARY = datetime(2026, 2, 1, tzinfo=UTC)  # scores are read at the end of the period's last day
ACCOUNT_ROW = re.compile(r'data-account="(?P<account>[^"]+)"')


def decayed(weight: float, at: datetime) -> float:
    """weight × 0.5^(age / 30 days) at the end of January (the default half-life)."""
    return weight * 0.5 ** ((END_OF_JANUARY - at).total_seconds() / 86400 / 30)


@pytest.fixture
def targets(workspace) -> dict[str, float]:
    """Hand-made target accounts and their expected scores at the end of January (UTC workspace)."""
    touches = {
        "Echo": [("meeting", datetime(2026, 1, 30, 12, tzinfo=UTC))] * 2,  # the only MQA (≥ 20)
        "Delta": [("meeting", datetime(2026, 1, 31, tzinfo=UTC))],
        "Foxtrot": [("meeting", datetime(2025, 12, 15, tzinfo=UTC))],  # in the window, not in the period
        "Charlie": [("page_view", datetime(2026, 1, 20, tzinfo=UTC))],  # ties with Bravo: by name
        "Bravo": [("page_view", datetime(2026, 1, 20, tzinfo=UTC))],
        "Hotel": [],
        "Golf": [],
    }
    expected = {}
    for name, account_touches in touches.items():
        account = AccountFactory(workspace=workspace, name=name, external_id=name.lower(), is_target=True)
        for kind, at in account_touches:
            TouchpointFactory(workspace=workspace, kind=kind, account=account, occurred_at=at)
        expected[name.lower()] = sum(decayed(15 if kind == "meeting" else 1, at) for kind, at in account_touches)
    outsider = AccountFactory(workspace=workspace, name="India", external_id="india")  # not a target
    TouchpointFactory(
        workspace=workspace, kind="meeting", account=outsider, occurred_at=datetime(2026, 1, 31, tzinfo=UTC)
    )
    recompute_rollups(workspace_id=workspace.pk)
    return expected


def listed(client, query: str) -> list[str]:
    """The accounts of every page of the list, in order, following the "Next" links."""
    accounts, url = [], f"/w/acme/abm/?{query}"
    while url:
        html = client.get(url).content.decode()
        accounts += ACCOUNT_ROW.findall(html)
        following = re.search(r'<a href="\?(?P<query>[^"]+)">Next', html)
        url = f"/w/acme/abm/?{following['query'].replace('&amp;', '&')}" if following else None
    return accounts


def test_target_accounts_are_sorted_by_score_then_name_across_pages(targets, member_client, monkeypatch):
    monkeypatch.setattr(AbmView, "page_size", 2)
    by_score = sorted(targets, key=lambda account: (-targets[account], account))
    assert by_score == ["echo", "delta", "foxtrot", "bravo", "charlie", "golf", "hotel"]
    assert listed(member_client, JANUARY) == by_score
    assert listed(member_client, f"{JANUARY}&show=engaged") == ["echo", "delta", "bravo", "charlie"]
    assert listed(member_client, f"{JANUARY}&show=mqa") == ["echo"]
    second = member_client.get(f"/w/acme/abm/?{JANUARY}&show=engaged&page=2").content.decode()
    assert ACCOUNT_ROW.findall(second) == ["bravo", "charlie"]
    assert "Page 2 of 2 · 4 rows" in second and "<span data-record-count>4</span>" in second
    assert "show=engaged&amp;page=1" in second and "from=2026-01-01" in second  # the links keep range and list


def test_scores_and_export_are_the_engine_s(targets, member_client, workspace):
    exported = list(
        csv.DictReader(io.StringIO(member_client.get(f"/w/acme/abm/?{JANUARY}&export=accounts").content.decode()))
    )
    assert [row["account"] for row in exported] == sorted(targets, key=lambda a: (-targets[a], a))
    engine = {row["account"]: row for row in selectors.account_scores(workspace=workspace, at=date(2026, 1, 31))}
    for row in exported:
        assert float(row["score"]) == pytest.approx(targets[row["account"]], abs=1e-4)
        assert float(row["score"]) == pytest.approx(engine[row["account"]]["score"], abs=1e-4)
        assert row["is_mqa"] == str(engine[row["account"]]["is_mqa"])
    assert {r["account"]: r["last_engagement"] for r in exported if r["last_engagement"]} == {
        "echo": "2026-01-30", "delta": "2026-01-31", "foxtrot": "2025-12-15", "bravo": "2026-01-20",
        "charlie": "2026-01-20",
    }  # fmt: skip
    counts = selectors.kpis_for_period(
        workspace=workspace, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31), metrics=["mqas"]
    )
    assert counts["mqas"] == sum(row["is_mqa"] == "True" for row in exported) == 1


def test_page_queries_do_not_grow_with_the_target_accounts(targets, workspace, member_client):
    urls = [f"/w/acme/abm/?{JANUARY}&show={show}&page={page}" for show in ("all", "engaged", "mqa") for page in (1, 2)]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert member_client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    member_client.get(urls[0])  # the first view stores the person's choice of range (one UPDATE, once)
    few = queries()
    for i in range(3 * AbmView.page_size):
        account = AccountFactory(workspace=workspace, name=f"More {i:03d}", is_target=True)
        for day in (2, 12, 22):
            TouchpointFactory(
                workspace=workspace, kind="meeting", account=account, occurred_at=datetime(2026, 1, day, tzinfo=UTC)
            )
    recompute_rollups(workspace_id=workspace.pk)
    assert queries() == few


def test_sql_scores_equal_the_selectors_across_a_daylight_saving_window_start(workspace):
    """At the end of 5 June (EDT) the 90-day window starts at 23:00 on 7 March (EST): raw touches on both sides."""
    workspace.time_zone = "America/New_York"
    workspace.save()
    new_york = ZoneInfo("America/New_York")
    accounts = [AccountFactory(workspace=workspace, is_target=True) for _ in range(3)]
    for account, hours in zip(accounts, ((22, 23), (23,), (12,)), strict=True):
        for hour in hours:
            at = datetime(2026, 3, 7, hour, 30, tzinfo=new_york)
            TouchpointFactory(workspace=workspace, kind="form_submit", account=account, occurred_at=at)
        TouchpointFactory(
            workspace=workspace, kind="meeting", account=account, occurred_at=datetime(2026, 4, 1, tzinfo=new_york)
        )
    recompute_rollups(workspace_id=workspace.pk)
    ids = [account.pk for account in accounts]
    for at in (date(2026, 6, 4) + timedelta(days=i) for i in range(4)):
        engine = selectors.engagement_scores(workspace=workspace, at=at)
        assert abm.scores_at(workspace, at, ids) == pytest.approx(engine, rel=1e-12), at
        listed = {row["id"]: row["score"] for row in abm.TargetAccounts(workspace, at, at)[0:10]}
        assert listed == pytest.approx({pk: engine.get(pk, 0.0) for pk in ids}, rel=1e-12), at


def test_scores_and_threshold_are_written_in_the_workspace_number_format(targets, member_client, workspace):
    workspace.number_locale = "de_DE"
    workspace.mqa_threshold = Decimal("1250.5")
    workspace.save()
    html = member_client.get(f"/w/acme/abm/?{JANUARY}").content.decode()
    assert "MQAs (score ≥ 1.250,50)" in html
    echo = html[html.index('data-account="echo"') :]
    score = f"{targets['echo']:.1f}".replace(".", ",")
    assert f'<td class="num">{score}</td>' in echo[: echo.index("</tr>")]
    assert f"to {score}" in echo[: echo.index("</tr>")]  # the trend's label
