"""Dates are written in the workspace's locale, like its numbers; URLs and CSV keep ISO dates."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.formatting import number_locale
from kpis import display
from kpis.targets import target_set

THIN = "\u2009"  # CLDR's interval separator is " – " with thin spaces
RANGE = "range=custom&from=2026-11-03&to=2026-12-02"


@pytest.mark.parametrize(
    ("locale", "day", "weekday", "same_year", "across_years", "moment", "chart"),
    [
        ("en_US", "5 Sep 2026", "Wed 2 Dec 2026", "3 Nov – 2 Dec 2026", "3 Nov 2025 – 2 Dec 2026",
         "2 Dec 2026 14:03", ["2 Dec", "w/c 2 Dec", "Dec 2026"]),
        ("de_DE", "5. Sept. 2026", "Mi., 2. Dez. 2026", f"3. Nov.{THIN}–{THIN}2. Dez. 2026",
         f"3. Nov. 2025{THIN}–{THIN}2. Dez. 2026", "2. Dez. 2026, 14:03", ["2. Dez.", "w/c 2. Dez.", "Dez. 2026"]),
        ("fr_FR", "5 sept. 2026", "mer. 2 déc. 2026", f"3 nov.{THIN}–{THIN}2 déc. 2026",
         f"3 nov. 2025{THIN}–{THIN}2 déc. 2026", "2 déc. 2026, 14:03", ["2 déc.", "w/c 2 déc.", "déc. 2026"]),
    ],
)  # fmt: skip
def test_dates_follow_the_workspace_locale(locale, day, weekday, same_year, across_years, moment, chart):
    with number_locale(locale):
        assert display.format_day(date(2026, 9, 5)) == day
        assert display.format_day(date(2026, 12, 2), "weekday") == weekday
        assert display.format_period(date(2026, 11, 3), date(2026, 12, 2)) == same_year
        assert display.format_period(date(2025, 11, 3), date(2026, 12, 2)) == across_years
        assert display.format_moment(datetime(2026, 12, 2, 14, 3, tzinfo=UTC)) == moment
        assert [display.format_period_start(date(2026, 12, 2), grain) for grain in ("day", "week", "month")] == chart
        assert display.format_day(None) == display.format_moment(None) == ""


def test_english_keeps_the_house_style():
    """Every English locale writes dates as the pages always did (CLDR's en_US would say "Dec 2, 2026")."""
    for locale in ("en_US", "en_GB", "en_IN"):
        with number_locale(locale):
            assert display.format_period(date(2026, 12, 3), date(2026, 12, 9)) == "3 Dec – 9 Dec 2026"
            assert display.format_period(date(2026, 9, 2), date(2026, 9, 2)) == "2 Sep 2026"


def chart(client, grain: str) -> dict:
    return client.get(f"/w/acme/charts/spend-leads/?{RANGE}&grain={grain}").json()


def test_a_german_workspace_shows_german_dates(seeded, member_client, last_30):
    seeded.number_locale = "de_DE"
    seeded.save()
    target_set(workspace=seeded, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=Decimal(10))
    html = member_client.get(f"/w/acme/?{RANGE}").content.decode()
    assert f"<strong>3. Nov.{THIN}–{THIN}2. Dez. 2026</strong>" in html  # the range
    assert f"compared with 4. Okt.{THIN}–{THIN}2. Nov. 2026" in html  # the previous period
    assert 'value="2026-11-03"' in html and "from=2026-11-03" in html  # the date inputs and links stay ISO
    days, weeks, months = chart(member_client, "day"), chart(member_client, "week"), chart(member_client, "month")
    assert (days["labels"][:2], days["periods"][:2]) == (["3. Nov.", "4. Nov."], ["2026-11-03", "2026-11-04"])
    assert weeks["labels"][0] == "w/c 2. Nov."  # the week of Monday 2 November
    assert months["labels"] == ["Nov. 2026", "Dez. 2026"]
    assert days["range_label"] == f"3. Nov.{THIN}–{THIN}2. Dez. 2026"  # the data table's caption
    exported = member_client.get(f"/w/acme/charts/spend-leads/?{RANGE}&grain=month&format=csv").content.decode()
    assert [row["label"] for row in csv.DictReader(io.StringIO(exported))] == ["2026-11-01", "2026-12-01"]
    assert "Score at 2. Dez." in member_client.get(f"/w/acme/abm/?{RANGE}").content.decode()
    assert period_cell("Dez. 2026") in member_client.get("/w/acme/targets/").content.decode()
    first, last = last_30
    spend = member_client.get(f"/w/acme/records/spend/?from={first}&to={last}").content.decode()
    assert re.search(r"<td>(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. \w+\.? 20\d\d</td>", spend)  # a table's dates


def test_an_english_workspace_keeps_its_dates(seeded, member_client):
    html = member_client.get(f"/w/acme/?{RANGE}").content.decode()
    assert "<strong>3 Nov – 2 Dec 2026</strong>" in html and "compared with 4 Oct – 2 Nov 2026" in html
    days, weeks, months = chart(member_client, "day"), chart(member_client, "week"), chart(member_client, "month")
    assert (days["labels"][0], weeks["labels"][0], months["labels"]) == ("3 Nov", "w/c 2 Nov", ["Nov 2026", "Dec 2026"])
    assert days["periods"][0] == "2026-11-03"
    assert "Score at 2 Dec" in member_client.get(f"/w/acme/abm/?{RANGE}").content.decode()


@pytest.mark.parametrize(
    ("locale", "month", "quarter", "year"),
    [("en_US", "Dec 2026", "Q4 2026", "2026"), ("de_DE", "Dez. 2026", "Q4 2026", "2026"), ("fr_FR", "déc. 2026", "T4 2026", "2026")],
)  # fmt: skip
def test_target_periods_follow_the_workspace_locale(workspace, member_client, locale, month, quarter, year):
    workspace.number_locale = locale
    workspace.save()
    for kind in ("month", "quarter", "year"):
        target_set(workspace=workspace, kpi="leads", period_kind=kind, starts_on=date(2026, 12, 1), value=Decimal(10))
    html = member_client.get("/w/acme/targets/").content.decode()
    assert all(period_cell(label) in html for label in (month, quarter, year))
    saved = member_client.post(
        "/w/acme/targets/",
        {"kpi": "cpl", "period_kind": "quarter", "starts_on": "2026-11-15", "value": "40"},
        follow=True,
    )
    assert f"Target saved: Cost per lead for {quarter}." in saved.content.decode()


def test_record_times_show_in_the_workspace_time_zone_and_locale(workspace, member_client):
    """A lead created at 23:30 in New York (04:30 UTC the next day) is listed on the day its KPIs count it."""
    from tests.data_factories import DealFactory, LeadFactory

    workspace.time_zone = "America/New_York"
    workspace.number_locale = "de_DE"
    workspace.save()
    late = datetime(2026, 1, 16, 4, 30, tzinfo=UTC)  # 15 Jan, 23:30 in New York
    lead = LeadFactory(workspace=workspace, external_id="late", created_at=late, mql_at=late)
    DealFactory(workspace=workspace, lead=lead, status="won", created_at=late, closed_at=late)
    leads = member_client.get(f"/w/{workspace.slug}/data/leads/").content.decode()
    assert "15. Jan. 2026, 23:30" in leads  # created, to the minute
    assert "15. Jan. 2026</td>" in leads and "16. Jan." not in leads  # the MQL day
    deals = member_client.get(f"/w/{workspace.slug}/data/deals/").content.decode()
    assert "15. Jan. 2026" in deals and "16. Jan." not in deals


def test_a_new_york_workspace_names_its_zone_and_shows_local_times(workspace, member_client):
    """Times on the pages are New York's, and each says so (EST in December; UTC−03 for a zone without a name)."""
    from accounts.tenancy import workspace_scope
    from kpis.models import KpiState
    from tests.data_factories import TouchpointFactory

    workspace.time_zone = "America/New_York"
    workspace.save()
    TouchpointFactory(workspace=workspace, kind="page_view", occurred_at=datetime(2026, 11, 20, 3, 15, tzinfo=UTC))
    with workspace_scope(workspace):
        KpiState.objects.update_or_create(defaults={"as_of": datetime(2026, 12, 2, 14, 3, tzinfo=UTC)})
    html = member_client.get(f"/w/{workspace.slug}/?{RANGE}").content.decode()
    assert "data as of 2 Dec 2026 09:03 EST" in html
    views = member_client.get(f"/w/{workspace.slug}/records/touchpoints/?touchpoint=page_view&{RANGE}").content.decode()
    assert "19 Nov 2026 22:15" in views and "Dates and times in America/New_York" in views
    sao_paulo = datetime(2026, 12, 2, 14, 3, tzinfo=UTC).astimezone(ZoneInfo("America/Sao_Paulo"))
    assert display.format_zone(sao_paulo) == "UTC\u221203"


def period_cell(label: str) -> str:
    """A targets-table cell of the Period column (each cell names its column for the phone layout)."""
    return f'<td role="cell" data-label="Period">{label}</td>'
