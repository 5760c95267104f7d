"""Scheduled reports sent through a real SMTP server (aiosmtpd), once per period, with the delivery log."""

from __future__ import annotations

import email
import socket
from datetime import date, time, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from accounts.formatting import number_locale
from accounts.tenancy import workspace_scope
from campaigns.models import DataChange
from kpis import display
from reports import schedules
from reports.models import Delivery, DeliveryStatus, Recipient, Schedule
from reports.sections import HEADLINE_KPIS
from reports.tasks import send_due_task
from tests.clock import SEEDED_NOW
from tests.reports.conftest import pdf_text

# SEEDED_NOW is Wednesday 2 Dec 2026 15:00 UTC; the schedule sends on Wednesdays at 15:30 (UTC workspace).
SEND_AT = SEEDED_NOW.replace(minute=31)
LAST_WEEK = (date(2026, 11, 23), date(2026, 11, 29))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def schedule(seeded, agency_owner):
    with workspace_scope(seeded):
        schedule = Schedule.objects.create(
            name="Weekly to the client",
            frequency="weekly",
            weekday=2,
            send_time=time(15, 30),
            coverage="last_week",
            created_by=agency_owner,
        )
        for address in ("cmo@client.example", "ceo@client.example"):
            Recipient.objects.create(schedule=schedule, email=address)
    return schedule


def deliveries(workspace) -> list[Delivery]:
    with workspace_scope(workspace):
        return list(Delivery.objects.order_by("id"))


def test_scheduled_report_arrives_with_html_text_and_the_api_figures_in_its_pdf(
    schedule, smtp, fixed_clock, api_client
):
    send_due_task()
    assert smtp.messages == []  # 15:00: not yet due
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == ["ceo@client.example", "cmo@client.example"]
    message = smtp.to("cmo@client.example")[0]
    assert str(message["Subject"]).strip() == "Acme Client — marketing report, 23 Nov – 29 Nov 2026"
    assert message["From"].addresses[0].display_name == "Pulse KPI"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "report-acme-2026-11-23-2026-11-29.pdf"
    pdf = pdf_text(attachment.get_content())
    api = api_client.get(f"/api/v1/kpis/?from={LAST_WEEK[0]}&to={LAST_WEEK[1]}").json()["metrics"]
    with number_locale(schedule.workspace.number_locale):
        for name in HEADLINE_KPIS:
            expected = display.format_kpi(name, api[name], schedule.workspace.currency)
            assert expected in pdf, f"{name}: {expected} not in the PDF"
            assert expected in text, f"{name}: {expected} not in the text part"
            assert expected.replace("−", "&minus;") in html or expected in html
    assert "Executive summary" in pdf and "Page 1 of" in pdf
    assert "/reports/unsubscribe/" in text
    [delivery] = deliveries(schedule.workspace)
    assert (delivery.period_first, delivery.period_last) == LAST_WEEK
    assert delivery.status == DeliveryStatus.SENT
    assert sorted(delivery.sent_to) == ["ceo@client.example", "cmo@client.example"]


def test_beat_running_twice_or_restarting_sends_each_report_once(schedule, smtp, fixed_clock):
    fixed_clock.move_to(SEND_AT)
    # Two beats tick at once: both claim, only one row exists; both hand the delivery to workers.
    first, second = schedules.due_deliveries(timezone.now()), schedules.due_deliveries(timezone.now())
    assert first == second and len(first) == 1
    assert schedules.deliver(first[0]) == DeliveryStatus.SENT
    assert schedules.deliver(second[0]) is None  # the second worker finds it sent
    send_due_task()  # beat restarted later the same day
    fixed_clock.move_to(SEND_AT + timedelta(hours=20))
    send_due_task()  # and the next day, still within the catch-up window
    assert len(smtp.messages) == 2
    assert len(deliveries(schedule.workspace)) == 1


def test_a_worker_dying_mid_send_is_taken_over_after_its_lease_sending_only_to_the_rest(schedule, smtp, fixed_clock):
    fixed_clock.move_to(SEND_AT)
    [delivery_id] = schedules.due_deliveries(timezone.now())
    # A worker leased it, sent to one recipient, then died.
    Delivery.objects.unscoped().filter(pk=delivery_id).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + schedules.LEASE, sent_to=["ceo@client.example"]
    )
    assert schedules.due_deliveries(timezone.now()) == []  # its lease still runs
    fixed_clock.move_to(SEND_AT + schedules.LEASE + timedelta(minutes=1))
    send_due_task()
    assert [r for rcpts, _ in smtp.messages for r in rcpts] == ["cmo@client.example"]


def test_smtp_failure_is_logged_and_retried_with_backoff(schedule, settings, fixed_clock):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    [delivery] = deliveries(schedule.workspace)
    assert delivery.status == DeliveryStatus.RETRYING
    assert "ConnectionRefusedError" in delivery.error
    assert delivery.next_attempt_at == pytest.approx(timezone.now() + timedelta(minutes=2), abs=timedelta(seconds=5))
    send_due_task()  # too early for the retry: nothing tried
    assert deliveries(schedule.workspace)[0].attempts == 1
    fixed_clock.move_to(SEND_AT + timedelta(minutes=3))
    send_due_task()
    delivery = deliveries(schedule.workspace)[0]
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == pytest.approx(timezone.now() + timedelta(minutes=4), abs=timedelta(seconds=5))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fixed_clock.move_to(SEND_AT + timedelta(minutes=8))
    send_due_task()
    delivery = deliveries(schedule.workspace)[0]
    assert delivery.status == DeliveryStatus.SENT and len(mail.outbox) == 2
    assert [entry["status"] for entry in delivery.log] == ["pending", "retrying", "retrying", "sent"]


def test_delivery_waits_while_the_kpis_are_being_recomputed(schedule, settings, fixed_clock):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with workspace_scope(schedule.workspace):
        change = DataChange.objects.create(first_day=date(2026, 11, 25), last_day=date(2026, 11, 25))
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    [delivery] = deliveries(schedule.workspace)
    assert delivery.status == DeliveryStatus.WAITING and mail.outbox == []
    assert "recomputed" in delivery.log[-1]["message"]
    with workspace_scope(schedule.workspace):
        DataChange.objects.filter(pk=change.pk).delete()  # the recompute ran
    fixed_clock.move_to(SEND_AT + timedelta(minutes=6))
    send_due_task()
    assert deliveries(schedule.workspace)[0].status == DeliveryStatus.SENT
    assert len(mail.outbox) == 2


def test_preview_now_goes_to_the_signed_in_person_only_and_leaves_the_period_unclaimed(
    schedule, member_client, agency_owner, settings, fixed_clock, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = f"/w/{schedule.workspace.slug}/reports/schedules/{schedule.pk}/preview/"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url)
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[agency_owner.email]]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    assert len(mail.outbox) == 3  # the scheduled send still happens, to both recipients
    page = member_client.get(f"/w/{schedule.workspace.slug}/reports/schedules/{schedule.pk}/")
    assert f"preview to {agency_owner.email}" in page.content.decode()
