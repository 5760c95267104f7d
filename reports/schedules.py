"""Scheduled reports: claiming a period once, sending it, retrying with backoff, the delivery log.

Once per period: beat's task claims a due period by inserting its Delivery row,
unique on (schedule, period), in a transaction of its own; a second beat, a
restarted one or a concurrent run hits the constraint and claims nothing.
Sending takes a lease on the row with one conditional UPDATE, so two workers
handed the same delivery cannot both send it; a worker that died mid-send
leaves a lease that expires, and the delivery is taken up again then, sending
only to the recipients not yet recorded in `sent_to`.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.formatting import number_locale
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpis import services as kpi_services
from kpis.periods import Period
from reports import periods
from reports.content import Report, build_report, headline_figures
from reports.models import Commentary, Delivery, DeliveryStatus, Recipient, Schedule
from reports.pdf import render_pdf
from reports.sections import DEFAULT_SECTIONS
from reports.tokens import unsubscribe_token

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=2)  # 2, 4, 8, 16 minutes between attempts
RECOMPUTE_WAIT = timedelta(minutes=5)
MAX_WAITS = 12  # an hour of waiting for a recompute, then the report goes with the figures as they are


def _log(delivery: Delivery, status: str, message: str = "") -> None:
    delivery.log = [*delivery.log, {"at": timezone.now().isoformat(), "status": status, "message": message}]


# ---------------------------------------------------------------- the report of a schedule's period


def commentary_for(period: Period) -> str:
    row = Commentary.objects.filter(first_day=period.first, last_day=period.last).first()
    return row.text if row else ""


def schedule_report(schedule: Schedule, period: Period) -> Report:
    """The report a schedule sends for `period` (in the schedule's workspace scope)."""
    comparison = periods.comparison_period(schedule.comparison, schedule.coverage, period)
    sections = schedule.template.sections if schedule.template_id else DEFAULT_SECTIONS
    return build_report(
        schedule.workspace, period, comparison, section_keys=sections, commentary=commentary_for(period)
    )


def unsubscribe_url(recipient: Recipient) -> str:
    return settings.SITE_URL + reverse("reports-unsubscribe", args=[unsubscribe_token(recipient.pk)])


def compose(report: Report, pdf: bytes, to: str, unsubscribe: str = "") -> EmailMultiAlternatives:
    """The message to one recipient: a text part, an HTML part and the PDF attached."""
    brand = report.brand
    logo = brand.logo_url
    if logo and not logo.startswith(("http://", "https://")):
        logo = settings.SITE_URL + logo  # a mail client has no page to resolve a relative URL against
    context = {"report": report, "figures": headline_figures(report), "unsubscribe_url": unsubscribe, "logo": logo}
    with number_locale(report.workspace.number_locale):
        text = render_to_string("reports/email.txt", context)
        html = render_to_string("reports/email.html", context)
    headers = {}
    if unsubscribe:
        headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(
        subject=f"{report.workspace.name} — marketing report, {report.period_label}",
        body=text,
        from_email=formataddr((brand.email_sender_name, settings.DEFAULT_FROM_EMAIL)),
        to=[to],
        reply_to=[brand.reply_to] if brand.reply_to else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    message.attach(pdf_filename(report), pdf, "application/pdf")
    return message


def pdf_filename(report: Report) -> str:
    return f"report-{report.workspace.slug}-{report.period.first.isoformat()}-{report.period.last.isoformat()}.pdf"


# ---------------------------------------------------------------- beat's task: what is due


def claim(schedule: Schedule, period: Period, now: datetime) -> Delivery | None:
    """The period's Delivery row, inserted now; None when it exists already (claimed before)."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                schedule=schedule,
                period_first=period.first,
                period_last=period.last,
                next_attempt_at=now,
                log=[{"at": now.isoformat(), "status": "pending", "message": "Due: claimed for this period."}],
            )
    except IntegrityError:
        return None


def due_deliveries(now: datetime) -> list[int]:
    """Claim every schedule's due period, and return the deliveries to attempt now (new, retries, waits)."""
    # Ordered by workspace alone: the model's ordering (name) would make DISTINCT repeat a workspace.
    active = Schedule.objects.unscoped().filter(active=True).order_by("workspace_id")
    for workspace_id in active.values_list("workspace_id", flat=True).distinct():
        workspace = Workspace.objects.get(pk=workspace_id)
        with workspace_scope(workspace):
            for schedule in Schedule.objects.filter(active=True).select_related("workspace"):
                period = periods.due_period(schedule, now)
                if period is not None:
                    claim(schedule, period, now)
    ready = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.WAITING, DeliveryStatus.RETRYING])
    stale = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    return list(
        Delivery.objects.unscoped()
        .filter((ready & Q(next_attempt_at__lte=now)) | stale)
        .order_by("id")
        .values_list("id", flat=True)
    )


# ---------------------------------------------------------------- a worker: send one delivery


def _lease(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this worker: one conditional UPDATE, so only one worker wins it."""
    ready = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.WAITING, DeliveryStatus.RETRYING])
    stale = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    taken = (
        Delivery.objects.unscoped()
        .filter(Q(pk=delivery_id) & (ready | stale))
        .update(status=DeliveryStatus.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    return taken == 1


def deliver(delivery_id: int) -> str | None:
    """Send a delivery if this worker wins its lease; returns its final status (None: not ours)."""
    now = timezone.now()
    if not _lease(delivery_id, now):
        return None
    delivery = Delivery.objects.unscoped().select_related("schedule__workspace").get(pk=delivery_id)
    workspace = delivery.schedule.workspace
    with workspace_scope(workspace), timezone.override(workspace.tz):
        _attempt(delivery, now)
        delivery.lease_until = None
        delivery.save(update_fields=["status", "next_attempt_at", "lease_until", "sent_to", "error", "log", "sent_at"])
    return delivery.status


def _waits(delivery: Delivery) -> int:
    return sum(1 for entry in delivery.log if entry["status"] == DeliveryStatus.WAITING)


def _attempt(delivery: Delivery, now: datetime) -> None:
    schedule = delivery.schedule
    recomputing = not delivery.preview and kpi_services.pending_changes_exist(schedule.workspace_id)
    if recomputing and _waits(delivery) < MAX_WAITS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.WAITING, now + RECOMPUTE_WAIT
        _log(delivery, DeliveryStatus.WAITING, "Skipped: the workspace's KPIs are being recomputed.")
        return
    period = Period(delivery.period_first, delivery.period_last)
    if delivery.preview:
        targets = [(delivery.preview_to, "")]
    else:
        recipients = Recipient.objects.filter(schedule=schedule, unsubscribed_at=None)
        targets = [(r.email, unsubscribe_url(r)) for r in recipients if r.email not in delivery.sent_to]
    if not targets:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
        _log(delivery, DeliveryStatus.SENT, "No recipient left to send to.")
        return
    report = schedule_report(schedule, period)
    pdf = render_pdf(report)
    try:
        with get_connection() as connection:
            for email, unsubscribe in targets:
                message = compose(report, pdf, email, unsubscribe)
                message.connection = connection
                message.send(fail_silently=False)
                delivery.sent_to = [*delivery.sent_to, email]
    except (smtplib.SMTPException, OSError) as error:
        delivery.error = f"{type(error).__name__}: {error}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            _log(delivery, DeliveryStatus.FAILED, f"Gave up after {delivery.attempts} attempts: {delivery.error}")
        else:
            wait = BACKOFF * 2 ** (delivery.attempts - 1)
            delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, now + wait
            _log(
                delivery,
                DeliveryStatus.RETRYING,
                f"{delivery.error} — next attempt in {int(wait.total_seconds() // 60)} min",
            )
        return
    delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, timezone.now(), ""
    _log(delivery, DeliveryStatus.SENT, f"Sent to {len(targets)} recipient{'s' if len(targets) != 1 else ''}.")


# ---------------------------------------------------------------- the preview button


def preview_queue(schedule: Schedule, email: str, now: datetime) -> Delivery:
    """A preview of the schedule's latest period to `email` (logged; never counts as the period's send)."""
    local_now = now.astimezone(schedule.workspace.tz)
    period = periods.covered_period(schedule.coverage, local_now.date())
    delivery = Delivery.objects.create(
        schedule=schedule,
        period_first=period.first,
        period_last=period.last,
        preview=True,
        preview_to=email,
        next_attempt_at=now,
        log=[{"at": now.isoformat(), "status": "pending", "message": f"Preview to {email}"}],
    )
    from reports.tasks import deliver_task

    transaction.on_commit(lambda: deliver_task.delay(delivery.pk))
    return delivery
