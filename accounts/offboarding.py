"""A client leaving: the whole workspace exported, the workspace deleted, a person's own account deleted.

Deletion happens in two steps. `workspace_delete_start` marks the workspace (it
leaves every page, list and key at once: its pages are 404s) and queues the
task; `workspace_delete_data` then removes its rows table by table, children
before parents, in batches of ids, each batch its own short transaction, so no
lock is held long enough to stall another tenant's writes. The rows are read
and deleted with that workspace in scope, so on PostgreSQL the row-level
security policies themselves limit every statement to it.

`AUDIT_HOOK` is where the audit log (issue 23 point 2) will record deletions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AgencyMembership, AgencyRole, ApiKey, AuditEntry, User, Workspace, WorkspaceExport
from accounts.rls import rls_bypass
from accounts.services import api_key_revoke
from accounts.tenancy import workspace_scope
from accounts.workspace_export import build_export, workspace_models

logger = logging.getLogger("pulse.offboarding")

EXPORT_LIFETIME = timedelta(hours=24)
DELETE_BATCH = 1000

_deleted_listeners: list[Callable[[int], None]] = []

# Called as AUDIT_HOOK(action, actor, **details) for each offboarding action; the audit log plugs in here.
AUDIT_HOOK: Callable[..., None] | None = None


def on_workspace_deleted(listener: Callable[[int], None]) -> None:
    """Register `listener(workspace_id)`, called once a workspace's rows are gone (apps above drop their caches)."""
    _deleted_listeners.append(listener)


def _record(action: str, actor: User | None, **details) -> None:
    logger.info("%s by %s: %s", action, actor.email if actor else "system", details)
    if AUDIT_HOOK is not None:
        AUDIT_HOOK(action, actor, **details)


# --- Export ---------------------------------------------------------------------------------


def export_start(*, workspace: Workspace, user: User) -> WorkspaceExport:
    """Queue an export of the whole workspace (run after commit)."""
    from accounts.tasks import export_workspace_task

    with workspace_scope(workspace), transaction.atomic():
        export = WorkspaceExport.objects.create(requested_by=user)
        export_id = export.pk
        _record("workspace.export", user, workspace=workspace.slug, export=export_id)
        transaction.on_commit(lambda: export_workspace_task.delay(workspace.pk, export_id))
    return export


def export_run(*, workspace_id: int, export_id: int) -> None:
    workspace = Workspace.objects.filter(pk=workspace_id, deleting_since=None).first()
    if workspace is None:
        return
    with workspace_scope(workspace):
        export = WorkspaceExport.objects.filter(pk=export_id).first()
        if export is None or export.status != WorkspaceExport.Status.QUEUED:
            return
        WorkspaceExport.objects.filter(pk=export_id).update(status=WorkspaceExport.Status.RUNNING)

        def progress(done: int, total: int) -> None:
            WorkspaceExport.objects.filter(pk=export_id).update(tables_done=done, tables_total=total)

        try:
            name = build_export(workspace, on_table_done=progress)
        except Exception:
            # Shown as failed on the page (an admin starts another); the trace goes to the log, not to
            # the request that queued it when the task runs in-process.
            logger.exception("Export %s of workspace %s failed", export_id, workspace_id)
            WorkspaceExport.objects.filter(pk=export_id).update(
                status=WorkspaceExport.Status.FAILED, finished_at=timezone.now()
            )
            return
        now = timezone.now()
        WorkspaceExport.objects.filter(pk=export_id).update(
            status=WorkspaceExport.Status.DONE, file_name=name, finished_at=now, expires_at=now + EXPORT_LIFETIME
        )


def export_forget(export: WorkspaceExport) -> None:
    """Delete an export's file (its row stays, as a record that it was made)."""
    if export.file_name:
        default_storage.delete(export.file_name)
        WorkspaceExport.objects.unscoped().filter(pk=export.pk).update(file_name="")


def exports_purge_expired() -> int:
    """Delete every expired export's file; returns how many. Run by beat, hourly."""
    expired = WorkspaceExport.objects.unscoped().filter(expires_at__lte=timezone.now()).exclude(file_name="")
    count = 0
    for export in expired.iterator(chunk_size=200):
        export_forget(export)
        count += 1
    return count


# --- Workspace deletion ---------------------------------------------------------------------


def deletion_order(found: list[type[models.Model]]) -> list[type[models.Model]]:
    """The models with every model that points to another before it (children before parents)."""
    remaining = {m: {f.related_model for f in m._meta.concrete_fields if f.is_relation} for m in found}
    ordered: list[type[models.Model]] = []
    while remaining:
        # A model nothing left points to can go now (self-references don't count).
        free = [m for m in remaining if not any(m in parents and o is not m for o, parents in remaining.items())]
        if not free:  # a cycle: Django's collector follows the rest within each batch
            free = sorted(remaining, key=lambda m: m._meta.label_lower)[:1]
        for model in sorted(free, key=lambda m: m._meta.label_lower):
            ordered.append(model)
            del remaining[model]
    return ordered


def workspace_delete_start(*, workspace: Workspace, user: User) -> None:
    """Mark the workspace deleting (gone from every page and key from now on) and queue the removal."""
    from accounts.tasks import delete_workspace_task

    with transaction.atomic():
        marked = Workspace.objects.filter(pk=workspace.pk, deleting_since=None).update(deleting_since=timezone.now())
        if not marked:
            return
        for key in ApiKey.objects.unscoped().filter(workspace=workspace, revoked_at=None):
            api_key_revoke(key=key)
        workspace_id = workspace.pk
        _record("workspace.delete", user, workspace=workspace.slug, name=workspace.name, agency=workspace.agency.slug)
        transaction.on_commit(lambda: delete_workspace_task.delay(workspace_id))


def _delete_table(model: type[models.Model], workspace: Workspace) -> int:
    if model is AuditEntry:  # append-only for the app's role: through the owner's function (accounts/audit_db.py)
        return audit.forget_workspace(workspace.pk)
    rows = model._base_manager.filter(workspace_id=workspace.pk)
    deleted = 0
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:DELETE_BATCH]):
        with transaction.atomic():
            removed, _ = model._base_manager.filter(workspace_id=workspace.pk, pk__in=ids).delete()
        if not removed:  # rows it can see but not delete: stop rather than loop
            raise RuntimeError(f"Could not delete rows of {model._meta.db_table} for workspace {workspace.pk}")
        deleted += len(ids)
    return deleted


def workspace_delete_data(*, workspace_id: int) -> dict[str, int]:
    """Remove every row of a workspace marked deleting, then the workspace; returns rows per table."""
    workspace = Workspace.objects.select_related("agency").filter(pk=workspace_id).first()
    if workspace is None or workspace.deleting_since is None:
        return {}
    counts: dict[str, int] = {}
    with workspace_scope(workspace), rls_bypass(False):
        for export in WorkspaceExport.objects.exclude(file_name=""):
            export_forget(export)
        for model in deletion_order(workspace_models()):
            counts[model._meta.db_table] = _delete_table(model, workspace)
        with transaction.atomic():
            workspace.delete()  # memberships, invitations and anything written meanwhile go with it
    for listener in _deleted_listeners:
        listener(workspace_id)
    _record(
        "workspace.deleted",
        None,
        workspace=workspace.slug,
        name=workspace.name,
        agency=workspace.agency.slug,
        rows=sum(counts.values()),
    )
    return counts


# --- Own account ----------------------------------------------------------------------------


class OnlyOwner(Exception):
    """The person is the only owner of an agency: it would be left without one."""

    def __init__(self, agencies: list[str]) -> None:
        self.agencies = agencies
        super().__init__(", ".join(agencies))


def agencies_only_owned_by(user: User) -> list[str]:
    """Names of the agencies whose only owner is `user`."""
    owned = AgencyMembership.objects.filter(user=user, role=AgencyRole.OWNER).select_related("agency")
    return sorted(
        m.agency.name
        for m in owned
        if not AgencyMembership.objects.filter(agency=m.agency, role=AgencyRole.OWNER).exclude(user=user).exists()
    )


def _one_connection_per_node() -> None:
    """On Citus: the transaction's multi-shard writes over one connection per node.

    Deleting a person deletes their rows of distributed tables by user (every shard: in parallel, by
    default), then their row of the users' reference table, which Citus then refuses in the same
    transaction ("there was a parallel DML access"). One connection per node allows both.
    """
    if getattr(connection, "citus", False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the person (memberships go with them); refused if they are an agency's only owner."""
    sole = agencies_only_owned_by(user)
    if sole:
        raise OnlyOwner(sole)
    email = user.email
    _one_connection_per_node()
    # Their name leaves rows of any workspace (created_by → null): a deliberate cross-workspace write.
    with rls_bypass():
        user.delete()
    _record("account.delete", None, email=email)
