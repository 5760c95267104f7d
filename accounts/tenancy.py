"""The tenant-scoping machinery.

The current workspace lives in a ContextVar, set by `workspace_scope()` once per
request (pages: from the URL; API: from the key) and once per task, and always
reset. Workspace-owned models use `WorkspaceScopedManager`: with no workspace
in scope a query raises instead of leaking; `.unscoped()` is the named escape
hatch for deliberate cross-workspace reads (grep for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction

if TYPE_CHECKING:
    from accounts.models import Workspace

_current_workspace: ContextVar[Workspace | None] = ContextVar("current_workspace", default=None)


class NoWorkspaceInScope(RuntimeError):
    """A workspace-owned model was queried with no workspace in scope."""


def current_workspace() -> Workspace | None:
    return _current_workspace.get()


def require_workspace() -> Workspace:
    workspace = _current_workspace.get()
    if workspace is None:
        raise NoWorkspaceInScope(
            "No workspace in scope: wrap the code in workspace_scope(), "
            "or use .unscoped() for a deliberate cross-workspace read."
        )
    return workspace


@contextmanager
def workspace_scope(workspace: Workspace) -> Iterator[Workspace]:
    """Make `workspace` current for the block, restoring the previous one after."""
    if workspace is None or workspace.pk is None:
        raise ValueError("workspace_scope() needs a saved workspace")
    token = _current_workspace.set(workspace)
    try:
        yield workspace
    finally:
        _current_workspace.reset(token)


@contextmanager
def workspace_reads(workspace: Workspace) -> Iterator[Workspace]:
    """`workspace_scope` with the block's queries in one transaction.

    Outside a transaction, each statement under row-level security runs in one
    of its own (BEGIN, the transaction-local setting, the query, COMMIT: four
    round trips); a read of a dozen queries pays that once this way, and sees
    one committed state per statement as before. Inside a transaction already
    (a page's reads calling the selectors' own), it adds nothing: no savepoint
    round trips, and an exception such as a 404 leaves the outer block alone.
    Nor on SQLite, which has no such setting (and whose in-memory test database
    is one connection shared by the live server's threads).
    """
    with workspace_scope(workspace):
        if connection.in_atomic_block or connection.vendor != "postgresql":
            yield workspace
        else:
            with transaction.atomic():
                yield workspace


@contextmanager
def no_workspace_scope() -> Iterator[None]:
    """Start the block with no workspace (and no RLS bypass) in scope, restoring both after.

    Used around each request and each task, so a scope can neither leak in nor out.
    """
    from accounts.rls import rls_bypass

    token = _current_workspace.set(None)
    try:
        with rls_bypass(False):
            yield
    finally:
        _current_workspace.reset(token)


class WorkspaceScopedQuerySet(models.QuerySet):
    def create(self, **kwargs: Any):
        workspace = require_workspace()
        given = kwargs.get("workspace") or kwargs.get("workspace_id")
        given_id = getattr(given, "pk", given)
        if given_id is not None and given_id != workspace.pk:
            raise NoWorkspaceInScope("Refusing to create a row for a workspace other than the current one.")
        kwargs.pop("workspace_id", None)
        kwargs["workspace"] = workspace
        return super().create(**kwargs)


class WorkspaceScopedManager(models.Manager.from_queryset(WorkspaceScopedQuerySet)):
    """Filters by the current workspace; raises when there is none."""

    def get_queryset(self) -> WorkspaceScopedQuerySet:
        workspace = require_workspace()
        return super().get_queryset().filter(workspace_id=workspace.pk)

    def unscoped(self) -> WorkspaceScopedQuerySet:
        """Every workspace's rows. Only for deliberate cross-workspace reads.

        On PostgreSQL the query also passes the row-level security policies
        (accounts/rls.py): the flag travels with the query through chaining.
        """
        queryset = super().get_queryset()
        queryset.query.rls_bypass = True
        return queryset


class WorkspaceOwned(models.Model):
    """Base of every workspace-owned table."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceScopedManager()

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        # `UPDATE ... WHERE id = %s AND workspace_id = %s`: a database distributed by workspace_id
        # (Citus) runs it on one shard, and refuses it without (it may not touch the distribution column).
        scoped = base_qs.filter(workspace_id=self.workspace_id)
        return super()._do_update(scoped, using, pk_val, values, update_fields, forced_update)
