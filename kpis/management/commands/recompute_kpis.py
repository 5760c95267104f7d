"""`manage.py recompute_kpis [--workspace SLUG]`: rebuild rollups synchronously (README, How KPIs stay fresh)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from kpis.services import workspace_kpis_rebuild


class Command(BaseCommand):
    help = "Recompute every KPI rollup of one workspace (--workspace SLUG) or of all, synchronously."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", metavar="SLUG", help="only this workspace")

    def handle(self, *args, workspace: str | None = None, **options):
        workspaces = Workspace.objects.order_by("id")
        if workspace:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace with slug “{workspace}”.")
        count = 0
        for workspace_id, slug in workspaces.values_list("id", "slug"):
            workspace_kpis_rebuild(workspace_id)
            count += 1
            self.stdout.write(f"recomputed {slug}")
        self.stdout.write(self.style.SUCCESS(f"{count} workspace(s) recomputed."))
