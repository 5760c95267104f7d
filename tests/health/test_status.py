"""Usual volume and staleness, computed by hand on a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from accounts.services import api_key_create
from health import status
from tests.health.helpers import day_range, sent

# Today is 30 November 2026 (UTC workspace).
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_usual_volume_is_the_median_of_days_with_data_in_the_28_before_today():
    today = date(2026, 11, 30)
    daily = {date(2026, 11, 1): 1000}  # 29 days before: outside the window
    daily |= {date(2026, 11, 2): 10, date(2026, 11, 3): 30, date(2026, 11, 4): 0, date(2026, 11, 29): 50}
    daily[today] = 999  # today, still filling: left out
    assert status.usual_volume(daily, today) == 30  # median of 10, 30, 50
    assert status.usual_volume({}, today) is None


@pytest.mark.parametrize(
    ("days", "stale", "silent", "gap"),
    [
        # Daily for 26 days up to the 27th, silent 3 days: the threshold is max(2, 3 × 1) = 3, not more.
        (day_range(date(2026, 11, 2), date(2026, 11, 27)), False, 3, 1.0),
        # The same up to the 26th: silent 4 days > 3: stale.
        (day_range(date(2026, 11, 1), date(2026, 11, 26)), True, 4, 1.0),
        # Every other day (12 days) up to the 23rd: gap 2, threshold max(2, 6) = 6, silent 7: stale.
        (day_range(date(2026, 11, 1), date(2026, 11, 23), step=2), True, 7, 2.0),
        # Weekly, 5 days: fewer than 7 days in its 28, never a regular sender.
        (day_range(date(2026, 10, 1), date(2026, 10, 29), step=7), False, 32, None),
        # Sent today: never stale.
        (day_range(date(2026, 11, 2), date(2026, 11, 30), step=2), False, 0, 2.0),
    ],
)
def test_stale_after_more_than_max_2_days_or_3_gaps_for_a_regular_sender(days, stale, silent, gap):
    assert status.staleness(days, date(2026, 11, 30)) == (stale, silent, gap)


@pytest.mark.django_db
def test_stream_health_of_one_source_and_of_a_resource(workspace):
    key = api_key_create(workspace=workspace, name="CRM")[0]
    daily = day_range(date(2026, 11, 2), date(2026, 11, 26))  # 25 days, then silent 4 days
    sent(workspace, source_id=str(key.pk), days=daily, received=lambda d: 10 if d.day % 2 else 30, rejected=1)
    sent(workspace, kind="import", source_id="", days=[date(2026, 11, 30)], received=7)
    with time_machine.travel(NOW, tick=False):
        crm = status.stream_health(workspace=workspace, resource="leads", source_kind="api_key", source_id=str(key.pk))
        leads = status.stream_health(workspace=workspace, resource="leads")
        nothing = status.stream_health(workspace=workspace, resource="deals")
    # Odd days of 3..25 (12 days) sent 10, even days of 2..26 (13 days) sent 30: the median is 30.
    assert (crm.usual, crm.received_today, crm.stale, crm.days_silent) == (30, 0, True, 4)
    assert crm.rejected_recent == 3  # the 24th, 25th and 26th fall in the last 7 days (24–30)
    assert crm.source_name == "API key “CRM” (" + key.prefix + "…)"
    # All sources together: the import sent today, so the resource as a whole is not silent.
    assert (leads.received_today, leads.stale, leads.days_silent) == (7, False, 0)
    assert leads.today_vs_usual == pytest.approx(7 / 30)
    assert (nothing.usual, nothing.stale, nothing.last_received_at) == (None, False, None)
