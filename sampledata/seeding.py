"""Entry points: fill a workspace with generated data through the ORM (`seed_demo`, `seed_workspace`, tests)."""

from __future__ import annotations

from datetime import datetime

from sampledata.generation import WorkspaceGenerator
from sampledata.scales import Scale
from sampledata.sinks.orm import load_orm


def seed_workspace(
    *, workspace, scale: Scale | str, seed: int = 1, until: datetime | None = None, progress=None
) -> dict[str, int]:
    """Fill `workspace` with generated data through the ORM; returns rows per table."""
    generator = WorkspaceGenerator(
        scale=scale, seed=seed, time_zone=workspace.time_zone, until=until, site=f"www.{workspace.slug}.example"
    )
    return load_orm(workspace, generator, progress=progress)


def seed_demo_workspace(*, workspace, seed: int = 1) -> dict[str, int]:
    """A few months of realistic data up to now, for `make run` (seconds on SQLite)."""
    return seed_workspace(workspace=workspace, scale="demo", seed=seed)
