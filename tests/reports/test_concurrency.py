"""Two beats (or a beat and its restart) ticking at the same moment on PostgreSQL: one email per recipient."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from django.core import mail
from django.db import connection, connections

from accounts.tenancy import workspace_scope
from reports.models import Delivery, DeliveryStatus, Recipient, Schedule
from reports.tasks import send_due_task
from tests.clock import SEEDED_NOW

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_ticks_send_each_report_once(workspace, settings, fixed_clock):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite's test database is one shared connection)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with workspace_scope(workspace):
        schedule = Schedule.objects.create(name="W", weekday=2, send_time=time(15, 30), coverage="last_week")
        Recipient.objects.create(schedule=schedule, email="cmo@client.example")
    fixed_clock.move_to(SEEDED_NOW.replace(minute=31))
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            start.wait()
            send_due_task()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [m.to for m in mail.outbox] == [["cmo@client.example"]]
    with workspace_scope(workspace):
        assert list(Delivery.objects.values_list("status", flat=True)) == [DeliveryStatus.SENT]
