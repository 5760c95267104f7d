"""`manage.py seed_demo`: a demo agency, its people and two client workspaces of generated data (`make run`)."""

from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import AgencyMembership, AgencyRole, User, Workspace, WorkspaceMembership, WorkspaceRole
from accounts.services import agency_create, workspace_create
from kpis import selectors
from kpis.catalog import KPIS
from kpis.services import recompute_rollups
from kpis.targets import target_set
from sampledata.intake import seed_demo_intake
from sampledata.seeding import seed_demo_workspace

DEMO_PASSWORD = "demo-password-2026"
DEMO_OWNER = "owner@demo.example"
DEMO_CLIENT = "marketer@northwind.example"


class Command(BaseCommand):
    help = "Seed a demo agency with two client workspaces and a few months of data (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            created = self._seed()
        if created:
            self._seed_data()
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo ready at http://127.0.0.1:8000\n"
                f"  agency owner:    {DEMO_OWNER} / {DEMO_PASSWORD}\n"
                f"  client marketer: {DEMO_CLIENT} / {DEMO_PASSWORD} (sees only Northwind)\n"
            )
        )

    def _seed(self) -> bool:
        if User.objects.filter(email=DEMO_OWNER).exists():
            return False
        owner = User.objects.create_user(email=DEMO_OWNER, password=DEMO_PASSWORD, full_name="Dana Demo")
        agency = agency_create(name="Demo Agency", owner=owner)
        northwind = workspace_create(agency=agency, name="Northwind SaaS", currency="USD", time_zone="America/New_York")
        workspace_create(agency=agency, name="Helios Analytics", currency="EUR", time_zone="Europe/Berlin")
        client = User.objects.create_user(email=DEMO_CLIENT, password=DEMO_PASSWORD, full_name="Chris Client")
        WorkspaceMembership.objects.create(workspace=northwind, user=client, role=WorkspaceRole.EDITOR)
        staff = User.objects.create_user(email="analyst@demo.example", password=DEMO_PASSWORD, full_name="Alex Analyst")
        AgencyMembership.objects.create(agency=agency, user=staff, role=AgencyRole.MEMBER)
        return True

    def _seed_data(self) -> None:
        for seed, workspace in enumerate(Workspace.objects.filter(agency__slug="demo-agency").order_by("pk"), start=1):
            seed_demo_workspace(workspace=workspace, seed=seed)
            seed_demo_targets(workspace=workspace, stretch=TARGET_STRETCH[(seed - 1) % len(TARGET_STRETCH)])
            seed_demo_intake(workspace=workspace, ads_silent_days=ADS_SILENT_DAYS[(seed - 1) % len(ADS_SILENT_DAYS)])


# One client whose ad platform connector went quiet four days ago, so the demo shows a stale source.
ADS_SILENT_DAYS = (0, 4)
# A client ahead of its targets and one behind them, so the demo shows both healths.
TARGET_STRETCH = (Decimal("0.9"), Decimal("1.25"))
TARGET_KPIS = ("leads", "mqls", "spend", "won_revenue", "cpl")


def seed_demo_targets(*, workspace: Workspace, stretch: Decimal) -> None:
    """This month's and this quarter's targets from last month's figures (× `stretch`; CPL ÷ it)."""
    recompute_rollups(workspace_id=workspace.pk)
    today = timezone.now().astimezone(workspace.tz).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    last = selectors.kpis_for_period(
        workspace=workspace, first_day=last_month_end.replace(day=1), last_day=last_month_end, metrics=TARGET_KPIS
    )
    for kpi in TARGET_KPIS:
        value = last[kpi]
        if not value:
            continue
        goal = Decimal(str(value)) / stretch if kpi == "cpl" else Decimal(str(value)) * stretch
        goal = goal.quantize(Decimal(1) if KPIS[kpi].kind == "count" else Decimal("0.01"))
        target_set(workspace=workspace, kpi=kpi, period_kind="month", starts_on=today, value=goal)
    if last["leads"]:
        quarter = (Decimal(last["leads"]) * 3 * stretch).quantize(Decimal(1))
        target_set(workspace=workspace, kpi="leads", period_kind="quarter", starts_on=today, value=quarter)
