"""Recompute reliability: idempotence, partial = full, coalescing, no lost writes, settings and time zones."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.settings_changes import workspace_settings_changed
from accounts.tenancy import workspace_scope
from campaigns.changes import record_change
from campaigns.models import DataChange, DealStatus, Lead, SpendEntry
from kpis import recompute_queue, services, tasks
from kpis.models import (
    ROLLUPS,
    AccountDay,
    AccountFacts,
    CustomerDay,
    DailyComponents,
    KpiState,
    VisitorGap,
    WebSession,
)
from kpis.selectors import account_scores, kpis_for_period
from kpis.services import recompute_pending_changes, recompute_rollups
from tests.app_role import APP_ROLE_DB, as_admin
from tests.data_factories import (
    AccountFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    SpendEntryFactory,
    TouchpointFactory,
)
from tests.kpis.conftest import ny

pytestmark = pytest.mark.django_db

JAN = {"first_day": date(2026, 1, 1), "last_day": date(2026, 1, 31)}


def rollup_rows(workspace) -> dict:
    """Every rollup row of the workspace, without ids, in a stable order."""
    with workspace_scope(workspace):
        rows = {}
        for model in ROLLUPS:
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
            rows[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
        return rows


def seed(workspace, day=5):
    campaign = CampaignFactory(workspace=workspace)
    account = AccountFactory(workspace=workspace, is_target=True)
    lead = LeadFactory(workspace=workspace, account=account, source_campaign=campaign,
                       created_at=datetime(2026, 1, day, 12, tzinfo=UTC))  # fmt: skip
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, day), cost=Decimal("12.34"))
    DealFactory(workspace=workspace, account=account, lead=lead, status=DealStatus.WON, source_campaign=campaign,
                created_at=datetime(2026, 1, day, tzinfo=UTC), closed_at=datetime(2026, 1, day + 3, tzinfo=UTC))  # fmt: skip
    for minute, session in ((0, "s1"), (50, "s1"), (70, "s2")):
        TouchpointFactory(workspace=workspace, kind="page_view", visitor_id="v1", session_id=session, campaign=campaign,
                          lead=lead, occurred_at=datetime(2026, 1, day, 23, tzinfo=UTC) + timedelta(minutes=minute))  # fmt: skip
    TouchpointFactory(
        workspace=workspace, kind="meeting", account=account, occurred_at=datetime(2026, 1, day, 9, tzinfo=UTC)
    )
    return campaign, account, lead


def test_recompute_twice_gives_identical_rows(workspace):
    seed(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    first = rollup_rows(workspace)
    assert all(first.values())  # every rollup has rows
    recompute_rollups(workspace_id=workspace.pk)
    assert rollup_rows(workspace) == first
    recompute_rollups(workspace_id=workspace.pk, **JAN)
    recompute_rollups(workspace_id=workspace.pk, **JAN)
    assert rollup_rows(workspace) == first


def test_a_full_recompute_rewrites_only_what_changed_and_equals_a_first_build(workspace):
    """The nightly full rebuild over rollups already there: changed rows replaced, gone rows deleted, new
    rows added (on plain PostgreSQL all in one statement per table), the rest left as they were."""
    first_campaign, _account, _lead = seed(workspace, day=5)
    second_campaign = CampaignFactory(workspace=workspace)
    SpendEntryFactory(workspace=workspace, campaign=second_campaign, date=date(2026, 1, 12), cost=Decimal("7.00"))
    meeting = TouchpointFactory(workspace=workspace, kind="meeting", account=AccountFactory(workspace=workspace,
                                is_target=True), occurred_at=datetime(2026, 1, 12, 9, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    with workspace_scope(workspace):
        ids = dict(DailyComponents.objects.values_list("day", "id"))
        SpendEntry.objects.filter(campaign=first_campaign).update(cost=Decimal("20.00"))
        meeting.delete()
    LeadFactory(workspace=workspace, source_campaign=second_campaign, created_at=datetime(2026, 1, 20, tzinfo=UTC))

    recompute_rollups(workspace_id=workspace.pk)
    rebuilt = rollup_rows(workspace)
    with workspace_scope(workspace):
        components = {row.day: row for row in DailyComponents.objects.all()}
        assert components[date(2026, 1, 5)].spend == Decimal("20.00")
        assert components[date(2026, 1, 5)].id != ids[date(2026, 1, 5)]  # replaced
        assert components[date(2026, 1, 12)].id == ids[date(2026, 1, 12)]  # unchanged: not rewritten
        assert components[date(2026, 1, 20)].leads == 1
        assert not AccountDay.objects.filter(day=date(2026, 1, 12)).exists()
        for model in ROLLUPS:
            model.objects.all().delete()
    recompute_rollups(workspace_id=workspace.pk)
    assert rollup_rows(workspace) == rebuilt


def test_a_partial_recompute_equals_a_full_one(workspace):
    campaign, _account, lead = seed(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    # new data on Jan 6 (UTC), including a page view continuing the Jan 5 session s1
    TouchpointFactory(workspace=workspace, kind="page_view", visitor_id="v2", session_id="s1", campaign=campaign,
                      occurred_at=datetime(2026, 1, 6, 8, tzinfo=UTC))  # fmt: skip
    TouchpointFactory(
        workspace=workspace, kind="form_submit", lead=lead, occurred_at=datetime(2026, 1, 6, 9, tzinfo=UTC)
    )
    LeadFactory(workspace=workspace, source_campaign=campaign, created_at=datetime(2026, 1, 6, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 6), last_day=date(2026, 1, 6))
    partial = rollup_rows(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == rollup_rows(workspace)
    with workspace_scope(workspace):
        assert WebSession.objects.get(session_id="s1").page_views == 3


def test_a_partial_recompute_moves_first_touches_and_first_wins_on_or_after_the_span(workspace):
    """New data dated in the span for accounts first touched or won before it, on it and after it."""
    campaign = CampaignFactory(workspace=workspace)
    accounts = [AccountFactory(workspace=workspace, is_target=True) for _ in range(3)]
    for account, day in zip(accounts, (2, 10, 20), strict=True):  # first touched on the 2nd, 10th and 20th
        TouchpointFactory(workspace=workspace, kind="meeting", account=account, campaign=campaign,
                          occurred_at=datetime(2026, 1, day, 9, tzinfo=UTC))  # fmt: skip
        DealFactory(workspace=workspace, account=account, status=DealStatus.WON, source_campaign=campaign,
                    created_at=datetime(2026, 1, day, tzinfo=UTC), closed_at=datetime(2026, 1, day + 5, tzinfo=UTC))  # fmt: skip
    customer = AccountFactory(workspace=workspace)  # first touched on the 20th; on the 10th, a touch only
    DealFactory(workspace=workspace, account=customer, status=DealStatus.WON,
                created_at=datetime(2026, 1, 20, tzinfo=UTC), closed_at=datetime(2026, 1, 25, tzinfo=UTC))  # fmt: skip
    backdated = AccountFactory(workspace=workspace)  # its deal, created on the 20th, says it closed on the 5th
    DealFactory(workspace=workspace, account=backdated, status=DealStatus.WON,
                created_at=datetime(2026, 1, 20, tzinfo=UTC), closed_at=datetime(2026, 1, 5, tzinfo=UTC))  # fmt: skip
    prospect = AccountFactory(workspace=workspace)  # touched on the 2nd, never won: no facts yet
    TouchpointFactory(workspace=workspace, kind="meeting", account=prospect,
                      occurred_at=datetime(2026, 1, 2, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    for account in accounts:  # on the 10th: a touch and a deal won at once, for each of them
        TouchpointFactory(workspace=workspace, kind="meeting", account=account, campaign=campaign,
                          occurred_at=datetime(2026, 1, 10, 8, tzinfo=UTC))  # fmt: skip
        DealFactory(workspace=workspace, account=account, status=DealStatus.WON, source_campaign=campaign,
                    created_at=datetime(2026, 1, 10, 1, tzinfo=UTC), closed_at=datetime(2026, 1, 10, 2, tzinfo=UTC))  # fmt: skip
    TouchpointFactory(workspace=workspace, kind="meeting", account=backdated,
                      occurred_at=datetime(2026, 1, 10, 6, tzinfo=UTC))  # fmt: skip
    TouchpointFactory(workspace=workspace, kind="meeting", account=customer,
                      occurred_at=datetime(2026, 1, 10, 7, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=prospect, status=DealStatus.WON,
                created_at=datetime(2026, 1, 10, tzinfo=UTC), closed_at=datetime(2026, 1, 10, 3, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 10), last_day=date(2026, 1, 10))
    partial = rollup_rows(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == rollup_rows(workspace)
    with workspace_scope(workspace):
        facts = {f.account_id: f for f in AccountFacts.objects.all()}
    assert facts.pop(prospect.pk).first_touch_at == datetime(2026, 1, 2, tzinfo=UTC)  # first won in the span
    assert facts.pop(customer.pk).first_touch_at == datetime(2026, 1, 10, 7, tzinfo=UTC)  # moved from the 20th
    assert facts.pop(backdated.pk).first_touch_at == datetime(2026, 1, 10, 6, tzinfo=UTC)  # first won before it
    first, on_day, later = (facts[a.pk] for a in accounts)
    assert first.first_touch_at == datetime(2026, 1, 2, tzinfo=UTC)  # unchanged (its deal's creation): before the span
    assert first.first_won_at == datetime(2026, 1, 7, tzinfo=UTC)
    assert on_day.first_touch_at == datetime(2026, 1, 10, tzinfo=UTC)  # its first deal's creation, that day
    assert on_day.first_won_at == later.first_won_at == datetime(2026, 1, 10, 2, tzinfo=UTC)  # moved earlier
    assert later.first_touch_at == datetime(2026, 1, 10, 1, tzinfo=UTC)  # moved from the 20th


def test_a_deal_won_in_the_span_moves_the_customers_lost_on_later_days(workspace):
    """A deal that never churns keeps its account a customer past another deal's churn, after the span."""
    account = AccountFactory(workspace=workspace)
    DealFactory(workspace=workspace, account=account, status=DealStatus.WON, created_at=datetime(2026, 1, 2, tzinfo=UTC),
                closed_at=datetime(2026, 1, 5, tzinfo=UTC), churned_at=datetime(2026, 1, 20, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)

    def customers(first: date, last: date) -> tuple:
        with workspace_scope(workspace):
            values = kpis_for_period(
                workspace=workspace, first_day=first, last_day=last, metrics=["active_customers", "customer_churn_rate"]
            )
        return values["active_customers"], values["customer_churn_rate"]

    assert customers(date(2026, 1, 15), date(2026, 1, 25)) == (0, 1.0)  # the one customer of the 15th churned
    lasting = DealFactory(workspace=workspace, account=account, status=DealStatus.WON,
                          created_at=datetime(2026, 1, 10, tzinfo=UTC), closed_at=datetime(2026, 1, 10, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 10), last_day=date(2026, 1, 10))
    partial = rollup_rows(workspace)
    assert customers(date(2026, 1, 15), date(2026, 1, 25)) == (1, 0.0)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == rollup_rows(workspace)
    lasting.delete()
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 10), last_day=date(2026, 1, 10))
    assert customers(date(2026, 1, 15), date(2026, 1, 25)) == (0, 1.0)


@APP_ROLE_DB  # the migration runs as the tables' owner (as_admin): on Citus, after the data is committed
def test_the_migration_counts_the_customer_days_a_rebuild_does(workspace):
    """kpis 0005 fills `CustomerDay` from the deals in SQL of its own: it must agree with the rebuild."""
    migration = importlib.import_module("kpis.migrations.0005_customer_day")
    deals = (  # (account, closed on, churned on) in January: overlaps, a reactivation, a same-day churn
        ("a", 2, None), ("a", 5, 9), ("b", 3, 8), ("b", 8, 12), ("c", 4, 6), ("c", 10, None),
        ("d", 7, 7), ("f", 11, 15),
    )  # fmt: skip
    accounts = {name: AccountFactory(workspace=workspace) for name in "abcdf"}
    for name, closed, churned in deals:
        DealFactory(workspace=workspace, account=accounts[name], status=DealStatus.WON,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC), closed_at=datetime(2026, 1, closed, 12, tzinfo=UTC),
                    churned_at=churned and datetime(2026, 1, churned, 12, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    rebuilt = rollup_rows(workspace)["CustomerDay"]
    # gained: a, b on the 2nd-3rd, c on the 4th and 10th, f on the 11th; lost: c on the 6th, b on the 12th, f on the 15th
    assert sorted((day.day, gained, lost) for _ws, day, gained, lost in rebuilt) == [
        (2, 1, 0), (3, 1, 0), (4, 1, 0), (6, 0, 1), (10, 1, 0), (11, 1, 0), (12, 0, 1), (15, 0, 1),
    ]  # fmt: skip
    with workspace_scope(workspace):
        CustomerDay.objects.all().delete()
    with as_admin(), connection.cursor() as cursor:
        migration.count_customer_days(None, SimpleNamespace(connection=connection, execute=cursor.execute))
    assert rollup_rows(workspace)["CustomerDay"] == rebuilt


def test_a_visit_between_two_others_moves_the_later_days_gap(workspace):
    def visit(day: int) -> None:
        TouchpointFactory(workspace=workspace, kind="page_view", visitor_id="v9", session_id=f"s9-{day}",
                          occurred_at=datetime(2026, 1, day, 12, tzinfo=UTC))  # fmt: skip

    visit(5)
    visit(10)
    recompute_rollups(workspace_id=workspace.pk)
    visit(7)
    recompute_rollups(workspace_id=workspace.pk, first_day=date(2026, 1, 7), last_day=date(2026, 1, 7))
    with workspace_scope(workspace):
        gaps = sorted(VisitorGap.objects.values_list("day", "previous_day", "visitors"))
    # Jan 10's visitor was last seen on the 5th before, on the 7th now: only a rebuild of the 10th says so.
    assert gaps == [
        (date(2026, 1, 5), None, 1),
        (date(2026, 1, 7), date(2026, 1, 5), 1),
        (date(2026, 1, 10), date(2026, 1, 7), 1),
    ]
    partial = rollup_rows(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    assert partial == rollup_rows(workspace)


def test_the_other_workspace_is_left_alone(workspace, other_workspace):
    seed(workspace)
    seed(other_workspace)
    recompute_rollups(workspace_id=other_workspace.pk)
    theirs = rollup_rows(other_workspace)
    recompute_rollups(workspace_id=workspace.pk)
    recompute_rollups(workspace_id=workspace.pk, **JAN)
    assert rollup_rows(other_workspace) == theirs
    assert kpis_for_period(workspace=workspace, **JAN)["spend"] == Decimal("12.34")


def test_pending_changes_are_consumed_once(workspace):
    seed(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    LeadFactory(workspace=workspace, created_at=datetime(2026, 1, 20, 12, tzinfo=UTC))
    record_change(workspace=workspace, days=[date(2026, 1, 20)])
    record_change(workspace=workspace, days=[date(2026, 1, 22), date(2026, 1, 21)])
    result = recompute_pending_changes(workspace_id=workspace.pk)
    assert result.ranges == ((date(2026, 1, 20), date(2026, 1, 22)),)  # merged into one range
    assert kpis_for_period(workspace=workspace, **JAN)["leads"] == 2
    with workspace_scope(workspace):
        assert not DataChange.objects.exists()
    assert recompute_pending_changes(workspace_id=workspace.pk) is None  # nothing left to do


def test_an_isolated_push_starts_its_recompute_at_once(workspace, django_capture_on_commit_callbacks):
    clock = [1_000_000.0]
    with (
        mock.patch.object(tasks.recompute_workspace_task, "apply_async") as queued,
        mock.patch.object(tasks.time, "time", lambda: clock[0]),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record_change(workspace=workspace, days=[date(2026, 1, 1)])
        assert queued.call_args.kwargs["eta"] is None
        tasks.recompute_workspace_task.run(workspace.pk)
        clock[0] += tasks.BURST_GAP_SECONDS + 0.01  # the next push comes after a pause: isolated too
        with django_capture_on_commit_callbacks(execute=True):
            record_change(workspace=workspace, days=[date(2026, 1, 2)])
        assert queued.call_count == 2
        assert queued.call_args.kwargs["eta"] is None


def test_pushes_while_a_run_waits_add_nothing_however_long_it_waits(workspace, django_capture_on_commit_callbacks):
    # The workers are behind: the run queued by the first push has not started 30 s later.
    seed(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    clock = [1_000_000.0]
    with (
        mock.patch.object(tasks.recompute_workspace_task, "apply_async") as queued,
        mock.patch.object(tasks.time, "time", lambda: clock[0]),
    ):
        for day in (20, 21, 22):
            LeadFactory(workspace=workspace, created_at=datetime(2026, 1, day, 12, tzinfo=UTC))
            with django_capture_on_commit_callbacks(execute=True):
                record_change(workspace=workspace, days=[date(2026, 1, day)])
            clock[0] += 15
        assert queued.call_count == 1
        tasks.recompute_workspace_task.run(workspace.pk)  # the one waiting run reads all three pushes
        with workspace_scope(workspace):
            assert not DataChange.objects.exists()
        assert (
            kpis_for_period(workspace=workspace, first_day=date(2026, 1, 20), last_day=date(2026, 1, 22))["leads"] == 3
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_change(workspace=workspace, days=[date(2026, 1, 23)])
        assert queued.call_count == 2  # that run started: the next push queues the next one


def test_a_burst_of_pushes_shares_one_recompute_after_the_first(workspace, django_capture_on_commit_callbacks):
    clock = [1_000_000.0]
    with (
        mock.patch.object(tasks.recompute_workspace_task, "apply_async") as queued,
        mock.patch.object(tasks.time, "time", lambda: clock[0]),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record_change(workspace=workspace, days=[date(2026, 1, 1)])  # isolated: at once
        tasks.recompute_workspace_task.run(workspace.pk)  # the worker takes it at once
        with django_capture_on_commit_callbacks(execute=True):
            for day in range(2, 7):
                clock[0] += 0.05
                record_change(workspace=workspace, days=[date(2026, 1, day)])
        assert queued.call_count == 2  # the first push's run, then one for the five of the burst
        burst_start = 1_000_000.05
        assert queued.call_args.kwargs["eta"].timestamp() == pytest.approx(burst_start + tasks.COALESCE_SECONDS)
    with workspace_scope(workspace):
        assert DataChange.objects.count() == 5  # left for the one queued run


def test_a_workspace_has_one_queued_run_until_it_starts_or_is_lost(workspace, other_workspace):
    t0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert recompute_queue.claim(workspace.pk, now=t0)
    assert not recompute_queue.claim(workspace.pk, now=t0 + timedelta(minutes=5))
    assert recompute_queue.claim(other_workspace.pk, now=t0)  # another workspace's run is its own
    recompute_queue.release(workspace.pk)  # its run starts
    assert not recompute_queue.claim(other_workspace.pk, now=t0)  # the other's run still waits
    assert recompute_queue.claim(workspace.pk, now=t0)
    lost = t0 + recompute_queue.LOST_AFTER + timedelta(seconds=1)
    assert recompute_queue.claim(workspace.pk, now=lost)  # never started (its broker lost it): queued again
    assert not recompute_queue.claim(workspace.pk, now=lost)


def test_a_run_the_broker_refused_leaves_the_next_push_to_queue_it(workspace):
    with mock.patch.object(
        tasks.recompute_workspace_task, "apply_async", side_effect=[ConnectionError("broker down"), None]
    ) as queued:
        with pytest.raises(ConnectionError):
            tasks.schedule_workspace_recompute(workspace.pk)
        assert tasks.schedule_workspace_recompute(workspace.pk)
    assert queued.call_count == 2


def test_a_write_during_a_recompute_is_left_for_the_next_one(workspace, django_capture_on_commit_callbacks):
    seed(workspace)
    recompute_rollups(workspace_id=workspace.pk)
    record_change(workspace=workspace, days=[date(2026, 1, 5)])
    late_ids = []

    def write_meanwhile(workspace_id, change_ids):
        # another request writes a lead for Jan 25 and records it, after the task read the pending rows
        LeadFactory(workspace=workspace, created_at=datetime(2026, 1, 25, 12, tzinfo=UTC))
        record_change(workspace=workspace, days=[date(2026, 1, 25)])
        with workspace_scope(workspace):
            late_ids.append(DataChange.objects.latest("id").pk)

    with (
        mock.patch.object(services, "_after_changes_read", write_meanwhile),
        mock.patch.object(tasks.recompute_workspace_task, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.recompute_workspace_task.run(workspace.pk)
    with workspace_scope(workspace):
        assert list(DataChange.objects.values_list("id", flat=True)) == late_ids  # not consumed
    # its listener queued the next recompute (at once: an isolated push), and the run, finding rows left
    # after a start that has passed, may queue one more: a spare run finds nothing, a missing one loses a write
    assert queued.call_count >= 1
    assert (
        kpis_for_period(workspace=workspace, first_day=date(2026, 1, 25), last_day=date(2026, 1, 25))["leads"] == 0
    )  # not rebuilt yet
    tasks.recompute_workspace_task.run(workspace.pk)
    assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 25), last_day=date(2026, 1, 25))["leads"] == 1


def test_ingestion_triggers_a_recompute_through_the_listener(workspace, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        LeadFactory(workspace=workspace, source_campaign=campaign, created_at=datetime(2026, 1, 3, tzinfo=UTC))
        record_change(workspace=workspace, days=[date(2026, 1, 3)])
    # tasks are eager in tests: the recompute ran after commit
    assert kpis_for_period(workspace=workspace, **JAN)["leads"] == 1
    with workspace_scope(workspace):
        assert KpiState.objects.get().as_of is not None


def test_settings_change_recomputes_the_scores(workspace, django_capture_on_commit_callbacks):
    account = AccountFactory(workspace=workspace, is_target=True)
    TouchpointFactory(
        workspace=workspace, kind="meeting", account=account, occurred_at=datetime(2026, 1, 10, tzinfo=UTC)
    )
    recompute_rollups(workspace_id=workspace.pk)
    # end of Jan 10 (UTC workspace): the meeting is 1 day old
    assert account_scores(workspace=workspace, at=date(2026, 1, 10))[0]["score"] == pytest.approx(15 * 0.5 ** (1 / 30))
    workspace.engagement_weights = {"meeting": 40}
    workspace.half_life_days = 1
    workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        workspace_settings_changed(workspace=workspace, fields=["engagement_weights", "half_life_days"])
    # 40 × 0.5^(1/1) = 20: now an MQA at the threshold
    [row] = account_scores(workspace=workspace, at=date(2026, 1, 10))
    assert row["score"] == pytest.approx(20.0)
    assert row["is_mqa"] is True


def test_time_zone_change_rewrites_local_dates(workspace, django_capture_on_commit_callbacks):
    workspace.time_zone = "America/New_York"
    workspace.save()
    LeadFactory(workspace=workspace, created_at=ny(2026, 1, 15, 23, 30))  # 04:30 UTC on the 16th
    recompute_rollups(workspace_id=workspace.pk)
    assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 15), last_day=date(2026, 1, 15))["leads"] == 1
    workspace.time_zone = "UTC"
    workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        workspace_settings_changed(workspace=workspace, fields=["time_zone"])
    with workspace_scope(workspace):
        assert Lead.objects.get().created_on == date(2026, 1, 16)
        assert KpiState.objects.get().time_zone == "UTC"
    assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 15), last_day=date(2026, 1, 15))["leads"] == 0
    assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 16), last_day=date(2026, 1, 16))["leads"] == 1


def test_a_presentation_setting_recomputes_nothing(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        workspace_settings_changed(workspace=workspace, fields=["name", "currency", "number_locale"])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        workspace_settings_changed(workspace=workspace, fields=["name", "mqa_threshold"])
    assert len(callbacks) == 1


def test_local_dates_refresh_works_in_batches(workspace, monkeypatch):
    monkeypatch.setattr(services, "LOCAL_DATE_BATCH", 2)
    for hour in range(5):
        LeadFactory(workspace=workspace, created_at=datetime(2026, 1, 16, hour, 30, tzinfo=UTC))
    workspace.time_zone = "America/New_York"
    workspace.save()
    assert services.workspace_local_dates_refresh(workspace) == 5
    # 00:30–04:30 UTC on the 16th are the evening of the 15th in New York
    assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 15), last_day=date(2026, 1, 15))["leads"] == 5


def test_recompute_kpis_command(workspace, other_workspace, capsys):
    seed(workspace)
    call_command("recompute_kpis", "--workspace", "acme")
    assert kpis_for_period(workspace=workspace, **JAN)["leads"] == 1
    with workspace_scope(other_workspace):
        assert not KpiState.objects.exists()
    call_command("recompute_kpis")
    with workspace_scope(other_workspace):
        assert KpiState.objects.get().as_of is not None
    assert "2 workspace(s) recomputed" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("recompute_kpis", "--workspace", "nope")


def test_the_periodic_full_recompute(workspace, other_workspace):
    entry = settings.CELERY_BEAT_SCHEDULE["kpis-recompute-all-workspaces"]
    assert entry["task"] == tasks.recompute_all_workspaces_task.name == "kpis.recompute_all_workspaces"
    seed(workspace)
    tasks.recompute_all_workspaces_task.delay()  # eager in tests
    assert kpis_for_period(workspace=workspace, **JAN)["spend"] == Decimal("12.34")
    with workspace_scope(other_workspace):
        assert KpiState.objects.get().as_of is not None


def test_tasks_are_named_and_survive_a_lost_worker():
    for task in (tasks.recompute_workspace_task, tasks.recompute_workspace_full_task):
        assert task.name.startswith("kpis.")
        assert task.acks_late and task.reject_on_worker_lost
        assert task.max_retries and task.retry_backoff
    # a task for a workspace that is gone returns quietly
    tasks.recompute_workspace_task.run(10**9)
    tasks.recompute_workspace_full_task.run(10**9)
