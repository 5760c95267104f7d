"""`manage.py seed_workspace --workspace SLUG --scale small [--seed N]`: generated data for demos."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import Campaign
from sampledata.scales import SCALES
from sampledata.seeding import seed_workspace


class Command(BaseCommand):
    help = "Fill a workspace with realistic generated marketing data (sampledata) through the ORM."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", required=True, help="slug of an existing workspace")
        parser.add_argument("--scale", default="small", choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {options['workspace']!r}.")
        with workspace_scope(workspace):
            if Campaign.objects.exists():
                raise CommandError(f"Workspace {workspace.slug} already has data; seed an empty workspace.")
        started = time.monotonic()
        counts = seed_workspace(workspace=workspace, scale=options["scale"], seed=options["seed"])
        summary = ", ".join(f"{count:,} {table}" for table, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {workspace.slug} ({options['scale']}): {summary} in {time.monotonic() - started:.1f} s"
            )
        )
