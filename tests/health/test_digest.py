"""The daily digest: opt-in, what it says, once a day, only the clients a person reaches, through real SMTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.services import api_key_create
from campaigns.services import lead_upsert_batch
from health.models import DigestDelivery, DigestSubscription
from health.tasks import send_digests_task
from kpis.services import workspace_kpis_rebuild
from tests.health.helpers import day_range, sent

# Monday 30 November 2026, 10:00 UTC: "last 7 days" is 23–29 November, the 7 before 16–22 November.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def leads_on(workspace, days: list[date], prefix: str) -> None:
    lead_upsert_batch(
        workspace=workspace,
        items=[
            {
                "external_id": f"{prefix}{i}",
                "email": f"{prefix}{i}@lead.example",
                "created_at": datetime(d.year, d.month, d.day, 12, tzinfo=UTC).isoformat(),
            }
            for i, d in enumerate(days)
        ],
    )


@pytest.fixture
def busy(workspace):
    """Leads went from 2 (16–22 Nov) to 5 (23–29 Nov); a CRM key stopped sending deals on the 20th."""
    leads_on(workspace, [date(2026, 11, 17), date(2026, 11, 20)], "old")
    leads_on(workspace, [date(2026, 11, 23)] * 2 + [date(2026, 11, 25), date(2026, 11, 28), date(2026, 11, 29)], "new")
    workspace_kpis_rebuild(workspace.pk)
    key = api_key_create(workspace=workspace, name="CRM")[0]
    sent(workspace, source_id=str(key.pk), resource="deals", days=day_range(date(2026, 11, 1), date(2026, 11, 20)))
    return workspace


def subscribe(user, hour=8, time_zone="UTC", enabled=True):
    return DigestSubscription.objects.create(user=user, enabled=enabled, hour=hour, time_zone=time_zone)


@pytest.mark.django_db
def test_the_digest_is_off_until_a_person_turns_it_on(busy, agency_owner, member_client):
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 0
        response = member_client.post(
            "/account/digest/", {"enabled": "on", "hour": "9", "time_zone": "Europe/Paris"}, follow=True
        )
        assert "Daily digest on." in response.content.decode()
        assert DigestSubscription.objects.get(user=agency_owner).hour == 9
        assert send_digests_task() == 1  # 11:00 in Paris, past 09:00
    assert mail.outbox[0].to == [agency_owner.email]


@pytest.mark.django_db
def test_a_bad_hour_or_zone_is_a_form_error(agency_owner, member_client):
    response = member_client.post("/account/digest/", {"enabled": "on", "hour": "24", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"hour", "time_zone"}
    assert not DigestSubscription.objects.exists()


@pytest.mark.django_db
def test_content_movers_and_attention_items_with_links(busy, agency_owner):
    subscribe(agency_owner)
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 1
    [message] = mail.outbox
    text = message.body
    html = message.alternatives[0][0]
    # Leads 2 → 5: +150 %; CPL and the others have no spend, so no other headline KPI moved.
    assert "Acme Client: Leads up 150 % (2 → 5)" in text
    assert "http://testserver/w/acme/" in text or "/w/acme/" in text
    assert "[WARNING] Acme Client: API key “CRM”" in text and "stopped sending deals" in text
    assert "/w/acme/health/" in text
    assert "⚠ Warning" in html and 'href="' in html


@pytest.mark.django_db
def test_sent_once_a_day_and_not_before_the_hour(busy, agency_owner):
    subscribe(agency_owner, hour=11)
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 0  # 10:00 < 11:00
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert send_digests_task() == 1
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        assert send_digests_task() == 0  # the day's delivery row guards
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get().day == date(2026, 11, 30)
    with time_machine.travel(NOW + timedelta(days=1, hours=1), tick=False):
        assert send_digests_task() == 1  # the next day, again


@pytest.mark.django_db
def test_nothing_to_say_sends_nothing(workspace, agency_owner):
    subscribe(agency_owner)
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 0
    assert mail.outbox == []
    assert DigestDelivery.objects.get().items == 0  # the quiet day is still recorded, once


@pytest.mark.django_db
def test_only_workspaces_the_person_reaches(busy, other_workspace, other_owner):
    """Globex's owner reaches none of Acme: its movers and stale source are not theirs."""
    subscribe(other_owner)
    key = api_key_create(workspace=other_workspace, name="Globex CRM")[0]
    sent(
        other_workspace, source_id=str(key.pk), resource="leads", days=day_range(date(2026, 11, 1), date(2026, 11, 20))
    )
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 1
    text = mail.outbox[0].body
    assert "Globex CRM" in text
    assert "Acme" not in text


@pytest.mark.django_db
def test_sent_through_a_real_smtp_server_branded(busy, agency_owner, smtp):
    agency = busy.agency
    agency.brand_name, agency.email_sender_name = "Northwind Digital", "Northwind"
    agency.save()
    subscribe(agency_owner)
    with time_machine.travel(NOW, tick=False):
        assert send_digests_task() == 1
    [message] = smtp.to(agency_owner.email)
    assert message["From"].addresses[0].display_name == "Northwind"
    assert message["Subject"] == "Your clients today — 30 Nov 2026"
    parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
    assert "Northwind Digital — your clients on 30 November 2026" in parts["text/plain"]
    assert "Northwind Digital" in parts["text/html"]


@pytest.mark.django_db
def test_the_settings_page_offers_the_first_clients_time_zone(workspace, agency_owner, member_client):
    workspace.time_zone = "Europe/Berlin"
    workspace.save()
    form = member_client.get("/account/digest/").context["form"]
    assert form.initial["time_zone"] == "Europe/Berlin"
    assert form.initial["enabled"] is False  # off by default
