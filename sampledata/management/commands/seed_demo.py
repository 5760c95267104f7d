"""`manage.py seed_demo`: a demo agency, its people and two client workspaces of generated data (`make run`)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import AgencyMembership, AgencyRole, User, Workspace, WorkspaceMembership, WorkspaceRole
from accounts.services import agency_create, workspace_create
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
