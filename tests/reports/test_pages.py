"""The reports pages: unsubscribe without login, template editing, commentary with its draft, tenancy."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.core import mail

from accounts.tenancy import workspace_scope
from reports.models import Commentary, Recipient, ReportTemplate, Schedule
from reports.tasks import send_due_task
from tests.clock import SEEDED_NOW
from tests.reports.conftest import pdf_text

SEND_AT = SEEDED_NOW.replace(minute=31)


@pytest.fixture
def schedule(seeded):
    with workspace_scope(seeded):
        schedule = Schedule.objects.create(name="Weekly", weekday=2, send_time=time(15, 30), coverage="last_week")
        for address in ("cmo@client.example", "ceo@client.example"):
            Recipient.objects.create(schedule=schedule, email=address)
    return schedule


def unsubscribe_link(message) -> str:
    return re.search(r"https?://[^/]+(/reports/unsubscribe/[^/\s]+/)", message.body).group(1)


def test_unsubscribe_works_without_login_and_stops_further_sends(schedule, client, fixed_clock, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    [to_cmo] = [m for m in mail.outbox if m.to == ["cmo@client.example"]]
    link = unsubscribe_link(to_cmo)
    page = client.get(link)  # `client` is signed out
    assert page.status_code == 200 and "cmo@client.example" in page.content.decode()
    assert client.post(link).status_code == 200
    with workspace_scope(schedule.workspace):
        assert Recipient.objects.get(email="cmo@client.example").unsubscribed_at is not None
        assert Recipient.objects.get(email="ceo@client.example").unsubscribed_at is None
    mail.outbox.clear()
    fixed_clock.move_to(SEND_AT + timedelta(days=7))  # next Wednesday: the next week's report
    send_due_task()
    assert [m.to for m in mail.outbox] == [["ceo@client.example"]]


def test_a_tampered_unsubscribe_link_is_a_404(schedule, client):
    assert client.get("/reports/unsubscribe/1:forged:signature/").status_code == 404
    assert client.post("/reports/unsubscribe/not-a-token/").status_code == 404


def test_editor_orders_a_template_and_the_report_follows_it(seeded, member_client):
    url = f"/w/{seeded.slug}/reports/templates/new/"
    assert member_client.get(url).status_code == 200
    response = member_client.post(
        url,
        {"name": "Board pack", "section": ["headline", "chart:web", "summary"], "order-summary": "1",
         "order-headline": "2", "order-chart:web": "3"},
    )  # fmt: skip
    assert response.status_code == 302
    with workspace_scope(seeded):
        template = ReportTemplate.objects.get(name="Board pack")
    assert template.sections == ["summary", "headline", "chart:web"]
    preview = member_client.get(f"/w/{seeded.slug}/reports/preview/?template={template.pk}").content.decode()
    headings = re.findall(r'<h2 id="section-\d+">([^<]+)</h2>', preview)
    assert headings[:2] == ["Executive summary", "Headline KPIs"] and "Web" in headings[2]
    assert "Funnel" not in preview  # the default's charts are not in this template
    pdf = member_client.get(f"/w/{seeded.slug}/reports/preview.pdf?template={template.pk}").content
    assert "Sessions" in pdf_text(pdf)


def test_bad_template_input_is_a_400_and_nothing_is_saved(seeded, member_client):
    url = f"/w/{seeded.slug}/reports/templates/new/"
    unknown = member_client.post(url, {"name": "X", "section": ["headline", "secrets"]})
    empty = member_client.post(url, {"name": "Y"})
    assert unknown.status_code == empty.status_code == 400
    assert "Unknown section" in unknown.content.decode() and "at least one section" in empty.content.decode()
    with workspace_scope(seeded):
        assert not ReportTemplate.objects.exists()


def test_schedule_form_rejects_bad_input_with_field_messages(seeded, member_client):
    url = f"/w/{seeded.slug}/reports/schedules/new/"
    response = member_client.post(
        url,
        {"name": "M", "frequency": "monthly", "weekday": "0", "day_of_month": "31", "send_time": "08:00",
         "coverage": "last_month", "comparison": "previous", "external": "ok@client.example, not-an-email"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert "between 1 and 28" in body and "Not an email address: not-an-email" in body
    with workspace_scope(seeded):
        assert not Schedule.objects.exists()


def test_schedule_is_created_with_members_and_external_recipients(seeded, member_client, agency_owner):
    response = member_client.post(
        f"/w/{seeded.slug}/reports/schedules/new/",
        {"name": "Monthly", "frequency": "monthly", "weekday": "0", "day_of_month": "3", "send_time": "08:00",
         "coverage": "last_month", "comparison": "last_year", "active": "on", "members": [agency_owner.email],
         "external": "Boss@Client.example\nteam@client.example"},
    )  # fmt: skip
    assert response.status_code == 302
    with workspace_scope(seeded):
        schedule = Schedule.objects.get()
        emails = sorted(schedule.recipients.values_list("email", flat=True))
    assert emails == sorted([agency_owner.email.lower(), "boss@client.example", "team@client.example"])
    page = member_client.get(response["Location"]).content.decode()
    assert "3 Dec 2026 08:00" in page  # next send: the 3rd, in the workspace's zone


def test_commentary_starts_from_a_draft_and_the_saved_text_goes_out(seeded, member_client, fixed_clock, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = f"/w/{seeded.slug}/reports/commentary/?coverage=last_week"
    page = member_client.get(url).content.decode()
    assert "Not written yet" in page and "In 23 Nov – 29 Nov 2026, spend was" in page
    response = member_client.post(url, {"coverage": "last_week", "text": "A strong week for webinars."})
    assert response.status_code == 302
    with workspace_scope(seeded):
        saved = Commentary.objects.get()
        Schedule.objects.create(name="W", weekday=2, send_time=time(15, 30), coverage="last_week")
        Recipient.objects.create(schedule=Schedule.objects.get(), email="cmo@client.example")
    assert (saved.first_day.isoformat(), saved.last_day.isoformat()) == ("2026-11-23", "2026-11-29")
    fixed_clock.move_to(SEND_AT)
    send_due_task()
    [message] = mail.outbox
    assert "A strong week for webinars." in message.body
    assert "A strong week for webinars." in pdf_text(message.attachments[0][1])


def test_viewer_reads_but_cannot_write(seeded, make_user, client_for):
    viewer = client_for(make_user(seeded, role="viewer"))
    assert viewer.get(f"/w/{seeded.slug}/reports/").status_code == 200
    assert (
        viewer.post(f"/w/{seeded.slug}/reports/templates/new/", {"name": "X", "section": ["headline"]}).status_code
        == 403
    )


def test_another_tenant_gets_404_on_every_reports_page(schedule, other_client):
    with workspace_scope(schedule.workspace):
        template = ReportTemplate.objects.create(name="T", sections=["headline"])
    base = f"/w/{schedule.workspace.slug}/reports/"
    urls = [base, f"{base}preview/", f"{base}preview.pdf", f"{base}commentary/", f"{base}schedules/new/",
            f"{base}schedules/{schedule.pk}/", f"{base}schedules/{schedule.pk}/preview/",
            f"{base}schedules/{schedule.pk}/delete/", f"{base}templates/new/", f"{base}templates/{template.pk}/"]  # fmt: skip
    for url in urls:
        assert other_client.get(url).status_code == 404, url
        assert other_client.post(url).status_code == 404, url
    with workspace_scope(schedule.workspace):
        assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_editing_a_schedule_keeps_an_unsubscribed_recipient_unsubscribed(schedule, member_client):
    with workspace_scope(schedule.workspace):
        Recipient.objects.filter(email="cmo@client.example").update(unsubscribed_at=SEEDED_NOW)
    response = member_client.post(
        f"/w/{schedule.workspace.slug}/reports/schedules/{schedule.pk}/",
        {"name": "Weekly", "frequency": "weekly", "weekday": "2", "day_of_month": "1", "send_time": "15:30",
         "coverage": "last_week", "comparison": "previous", "active": "on",
         "external": "cmo@client.example\nnew@client.example"},
    )  # fmt: skip
    assert response.status_code == 302
    with workspace_scope(schedule.workspace):
        rows = dict(Recipient.objects.values_list("email", "unsubscribed_at"))
    assert sorted(rows) == ["cmo@client.example", "new@client.example"]  # ceo@ removed
    assert rows["cmo@client.example"] == SEEDED_NOW and rows["new@client.example"] is None


def test_an_empty_summary_is_a_400(seeded, member_client):
    response = member_client.post(f"/w/{seeded.slug}/reports/commentary/", {"coverage": "last_month", "text": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    with workspace_scope(seeded):
        assert not Commentary.objects.exists()
