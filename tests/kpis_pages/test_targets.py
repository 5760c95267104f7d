"""Targets: editors set them (validated), every card and the overview show progress, pacing and health."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tenancy import workspace_scope
from kpis import periods
from kpis.targets import Health, Target, TargetPeriodValue, progress_against, target_set, worst_health


def today(workspace) -> date:
    return timezone.now().astimezone(workspace.tz).date()


def test_editor_sets_a_target_for_the_whole_month(workspace, member_client):
    response = member_client.post(
        "/w/acme/targets/", {"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-17", "value": "300"}
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        target = Target.objects.get()
    assert (target.kpi, target.starts_on, target.ends_on, target.value) == (
        "leads",
        date(2026, 3, 1),
        date(2026, 3, 31),
        Decimal(300),
    )
    # The same KPI and period again replaces it.
    member_client.post(
        "/w/acme/targets/", {"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-01", "value": "350"}
    )
    with workspace_scope(workspace):
        assert list(Target.objects.values_list("value", flat=True)) == [Decimal(350)]


def test_rate_targets_are_entered_in_percent(workspace, member_client):
    member_client.post(
        "/w/acme/targets/", {"kpi": "win_rate", "period_kind": "quarter", "starts_on": "2026-05-02", "value": "25"}
    )
    with workspace_scope(workspace):
        target = Target.objects.get()
    assert target.value == Decimal("0.25")
    assert (target.starts_on, target.ends_on) == (date(2026, 4, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-01", "value": "-5"},
            "value",
            "cannot be negative",
        ),
        ({"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-01", "value": "2.5"}, "value", "whole number"),
        (
            {"kpi": "win_rate", "period_kind": "month", "starts_on": "2026-03-01", "value": "150"},
            "value",
            "between 0 and 100",
        ),
        ({"kpi": "roi", "period_kind": "month", "starts_on": "2026-03-01", "value": "-120"}, "value", "below −100"),
        ({"kpi": "bogus", "period_kind": "month", "starts_on": "2026-03-01", "value": "1"}, "kpi", "valid choice"),
        (
            {"kpi": "leads", "period_kind": "week", "starts_on": "2026-03-01", "value": "1"},
            "period_kind",
            "valid choice",
        ),
        ({"kpi": "leads", "period_kind": "month", "starts_on": "March", "value": "1"}, "starts_on", "valid date"),
        ({"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-01"}, "value", "required"),
    ],
)
def test_invalid_targets_are_a_400_with_the_field_error(workspace, member_client, data, field, message):
    response = member_client.post("/w/acme/targets/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    with workspace_scope(workspace):
        assert not Target.objects.exists()


def test_viewers_see_targets_but_cannot_set_them(workspace, make_user, client_for):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.get("/w/acme/targets/").status_code == 200
    response = viewer.post(
        "/w/acme/targets/", {"kpi": "leads", "period_kind": "month", "starts_on": "2026-03-01", "value": "3"}
    )
    assert response.status_code == 403
    target = target_set(
        workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 3, 1), value=Decimal(3)
    )
    assert viewer.post(f"/w/acme/targets/{target.pk}/delete/").status_code == 403


def test_editor_deletes_a_target(workspace, make_user, client_for, other_client):
    editor = client_for(make_user(workspace, role="editor"))
    target = target_set(
        workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 3, 1), value=Decimal(3)
    )
    assert other_client.post(f"/w/acme/targets/{target.pk}/delete/").status_code == 404
    assert editor.post(f"/w/acme/targets/{target.pk}/delete/").status_code == 302
    with workspace_scope(workspace):
        assert not Target.objects.exists()
    assert editor.post(f"/w/acme/targets/{target.pk}/delete/").status_code == 404


def test_cards_and_overview_show_progress_and_health(seeded, member_client):
    now = today(seeded)
    target_set(workspace=seeded, kpi="leads", period_kind="month", starts_on=now, value=Decimal(1_000_000))
    target_set(workspace=seeded, kpi="cpl", period_kind="month", starts_on=now, value=Decimal("100000"))
    html = member_client.get("/w/acme/?range=this_month").content.decode()
    assert "health-red" in html  # a million leads a month is off track…
    assert "health-green" in html  # …a CPL under 100,000 is on track
    # One wording for the target, the actual and the pace: "1,000,000 leads this month · N so far · on pace for M".
    assert "1,000,000 leads this month · " in html and " so far · on pace for " in html and "<progress" in html
    assert "Targets: Off track" in html
    overview = member_client.get("/?range=this_month").content.decode()
    assert 'class="ws-card health-red"' in overview
    # each target on the client's card: its health, progress through the period and pace
    leads_target = overview[overview.index('data-target-kpi="leads"') :]
    leads_target = leads_target[: leads_target.index("</li>")]
    assert "Off track" in leads_target and "<progress" in leads_target and "on pace for" in leads_target
    assert "On track" in overview[overview.index('data-target-kpi="cpl"') :]
    exported = {
        r["kpi"]: r
        for r in csv.DictReader(
            io.StringIO(member_client.get("/w/acme/?range=this_month&export=target-progress").content.decode())
        )
    }
    assert set(exported) == {"leads", "cpl"}
    assert (exported["leads"]["health"], exported["cpl"]["health"]) == ("red", "green")
    assert Decimal(exported["leads"]["target_total"]) == 1_000_000
    report = member_client.get("/w/acme/report/?range=this_month&export=target-progress").content.decode()
    assert report.splitlines()[0].startswith("kpi,label,actual,target_for_range")
    targets_page = member_client.get("/w/acme/targets/").content.decode()
    assert "Off track" in targets_page and "On track" in targets_page


# ---------------------------------------------------------------- the maths of progress (no database)


def test_additive_targets_are_prorated_to_the_range():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    first_ten_days = periods.Period(date(2026, 3, 1), date(2026, 3, 10))
    progress = progress_against("leads", 100, first_ten_days, [TargetPeriodValue(march, Decimal(310))])
    assert progress.target_for_range == Decimal(100)
    assert progress.attainment == pytest.approx(1.0)
    assert progress.progress == pytest.approx(100 / 310)
    assert progress.health == Health.GREEN
    behind = progress_against("leads", 85, first_ten_days, [TargetPeriodValue(march, Decimal(310))])
    assert behind.health == Health.RED
    close = progress_against("leads", 95, first_ten_days, [TargetPeriodValue(march, Decimal(310))])
    assert close.health == Health.AMBER


def test_cost_targets_are_ceilings_and_spend_is_paced():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    target = [TargetPeriodValue(march, Decimal(50))]
    assert progress_against("cpl", Decimal(40), march, target).health == Health.GREEN
    assert progress_against("cpl", Decimal(54), march, target).health == Health.AMBER
    assert progress_against("cpl", Decimal(80), march, target).health == Health.RED
    assert progress_against("cpl", None, march, target).health == Health.NONE
    budget = [TargetPeriodValue(march, Decimal(3100))]
    assert progress_against("spend", Decimal(3100), march, budget).health == Health.GREEN
    assert progress_against("spend", Decimal(4000), march, budget).health == Health.RED
    assert progress_against("spend", Decimal(3500), march, budget).health == Health.AMBER


def test_no_overlapping_target_is_no_progress():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    april = periods.Period(date(2026, 4, 1), date(2026, 4, 30))
    assert progress_against("leads", 5, april, [TargetPeriodValue(march, Decimal(1))]) is None
    assert worst_health([Health.GREEN, Health.NONE, Health.AMBER]) == Health.AMBER
    assert worst_health([]) == Health.NONE


def test_month_and_quarter_targets_are_not_added_up():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    q1 = periods.Period(date(2026, 1, 1), date(2026, 3, 31))
    targets = [TargetPeriodValue(march, Decimal(310)), TargetPeriodValue(q1, Decimal(9000))]
    progress = progress_against("leads", 310, march, targets)
    assert progress.target_for_range == Decimal(310)  # the month's, not the month's plus a share of the quarter's


def test_days_without_a_target_are_asked_the_same_daily_rate():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    range_ = periods.Period(date(2026, 2, 27), date(2026, 3, 31))  # 2 days of February have no target
    progress = progress_against("leads", 330, range_, [TargetPeriodValue(march, Decimal(310))])
    assert progress.target_for_range == Decimal(330)
    assert progress.attainment == pytest.approx(1.0)
    assert progress.notes and "2 of the 33 days" in progress.notes[0]
