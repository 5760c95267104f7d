from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from kpis.services import workspace_kpis_rebuild
from sampledata.seeding import seed_workspace


@pytest.fixture(autouse=True)
def _seeded_clock(fixed_clock):
    """Generated data and the periods a schedule covers both follow the clock."""


@pytest.fixture
def seeded(workspace):
    seed_workspace(workspace=workspace, scale="tiny", seed=1)
    workspace_kpis_rebuild(workspace.pk)  # as the worker would: the rollups built, the pending changes consumed
    return workspace


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext (poppler) extracts it, in reading order."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
