"""The demo's data health: two API keys standing for a client's CRM sync and ad platform connector.

The generated rows are written straight into the tables, so nothing counted them as they arrived
(campaigns.intake counts the API, imports and the collector). For the demo, the intake counts of the
last four weeks are derived from those rows: the CRM sync sent each day's leads, the ad connector each
day's spend rows, except for its last `ads_silent_days` days (a connector that went quiet).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.models import Workspace
from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from campaigns.intake import API_KEY
from campaigns.models import IntakeDay, Lead, SpendEntry

DAYS = 28
# A few leads a week refused by validation (a missing email in the CRM), so the page shows rejections.
REJECTED_EVERY = 5


def seed_demo_intake(*, workspace: Workspace, ads_silent_days: int = 0) -> None:
    """Intake counts of the last DAYS local days for a demo CRM sync and ad connector (see the module)."""
    today = timezone.now().astimezone(workspace.tz).date()
    first = today - timedelta(days=DAYS)
    crm, _ = api_key_create(workspace=workspace, name="CRM sync (demo)")
    ads, _ = api_key_create(workspace=workspace, name="Ad platform connector (demo)")
    with workspace_scope(workspace):
        leads = Lead.objects.filter(created_on__range=(first, today)).values_list("created_on").annotate(n=Count("id"))
        spend = SpendEntry.objects.filter(date__range=(first, today - timedelta(days=ads_silent_days)))
        spend = spend.values_list("date").annotate(n=Count("id"))
        rows = [
            _row(workspace, crm.pk, "leads", day, n, rejected=int(day.toordinal() % REJECTED_EVERY == 0))
            for day, n in leads
        ]
        rows += [_row(workspace, ads.pk, "spend", day, n) for day, n in spend]
        IntakeDay.objects.bulk_create(rows)


def _row(workspace: Workspace, key_id: int, resource: str, day, received: int, rejected: int = 0) -> IntakeDay:
    arrived = min(datetime.combine(day, time(6, 15), tzinfo=workspace.tz), timezone.now())  # a nightly sync
    return IntakeDay(
        workspace=workspace,
        source_kind=API_KEY,
        source_id=str(key_id),
        resource=resource,
        day=day,
        received=received,
        rejected=rejected,
        last_received_at=arrived,
    )
