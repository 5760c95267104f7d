"""A whole workspace as one ZIP: a CSV file per workspace table, and the settings as JSON.

The tables are found generically (every model with a `workspace` foreign key, bar
the access-control tables), so a table added later is exported without a change
here. Rows are read with `.iterator(chunk_size=…)` and written straight into the
ZIP on a temporary file: no table is ever held in memory. Text cells go through
the project's `SafeWriter`, so a cell that starts like a formula is quoted.
"""

from __future__ import annotations

import io
import json
import secrets
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile

from accounts.csv_cells import SafeWriter
from accounts.models import Workspace

CHUNK_SIZE = 2000
EXPORT_FOLDER = "workspace-exports"

# Who may enter the workspace, the exports themselves and the engine's queue: not the client's data.
NOT_EXPORTED = frozenset(
    {
        "accounts.workspacemembership",
        "accounts.invitation",
        "accounts.apikey",
        "accounts.workspaceexport",
        "kpis.queuedrecompute",
    }
)
# Columns a ZIP handed to the client never carries: credentials (even hashed) and the agency
# staff's own personal data (the audit log keeps who did what, not from which address or browser).
LEFT_OUT_COLUMNS = {
    "sharing.sharelink": frozenset({"token_hash", "password_hash"}),
    "alerts.alertrule": frozenset({"webhook_secret"}),
    "accounts.auditentry": frozenset({"ip_address", "user_agent"}),
}
# Settings that are the agency's bookkeeping, not the client's configuration.
SETTINGS_LEFT_OUT = frozenset({"id", "agency", "deleting_since"})


def workspace_models() -> list[type[models.Model]]:
    """Every model whose rows belong to one workspace (a `workspace` foreign key), by label."""
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "workspace"), None)
        if field is not None and field.is_relation and field.related_model is Workspace:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def exported_models() -> list[type[models.Model]]:
    return [m for m in workspace_models() if m._meta.label_lower not in NOT_EXPORTED]


def _cell(value: Any) -> Any:
    """Timestamps in UTC ISO 8601, JSON as JSON; numbers stay numbers (never taken for a formula)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, (int, float, Decimal)) or value is None:
        return value
    return str(value)


def write_table(archive: zipfile.ZipFile, model: type[models.Model], workspace: Workspace) -> None:
    """`<app>_<model>.csv`: one column per database column, one line per row, in id order."""
    left_out = LEFT_OUT_COLUMNS.get(model._meta.label_lower, frozenset())
    columns = [field.attname for field in model._meta.concrete_fields if field.attname not in left_out]
    rows = model._base_manager.filter(workspace_id=workspace.pk).order_by("pk").values_list(*columns)
    with archive.open(f"{model._meta.db_table}.csv", "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = SafeWriter(text)
        writer.writerow(columns)
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            writer.writerow([_cell(value) for value in row])
        text.flush()
        text.detach()


def _setting(workspace: Workspace, field: models.Field) -> Any:
    value = getattr(workspace, field.attname)
    return value.name or "" if isinstance(value, FieldFile) else value  # a stored file: its name


def workspace_settings(workspace: Workspace) -> dict[str, Any]:
    settings = {
        field.name: _setting(workspace, field)
        for field in Workspace._meta.concrete_fields
        if field.name not in SETTINGS_LEFT_OUT
    }
    settings["agency"] = workspace.agency.name
    return settings


def build_export(workspace: Workspace, on_table_done: Callable[[int, int], None] | None = None) -> str:
    """Write the ZIP and store it under a random name; returns the storage name.

    `on_table_done(done, total)` is called after each table (the export's progress).
    """
    tables = exported_models()
    with tempfile.TemporaryFile() as spooled:
        with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "settings.json", json.dumps(workspace_settings(workspace), cls=DjangoJSONEncoder, indent=2)
            )
            for done, model in enumerate(tables, start=1):
                write_table(archive, model, workspace)
                if on_table_done:
                    on_table_done(done, len(tables))
        spooled.seek(0)
        # A random name: nothing in it says whose data it is, and it cannot be guessed.
        return default_storage.save(f"{EXPORT_FOLDER}/{secrets.token_urlsafe(24)}.zip", File(spooled))
