"""Keys that carry the workspace: what lets the same schema be distributed by workspace_id (Citus).

`WorkspaceForeignKey` links two workspace tables. Every ORM join along it gets
`AND target.workspace_id = source.workspace_id` in its ON clause, both ways
(the hook GenericRelation uses for its content type), so a join never crosses
workspaces and a distributed database can run it on one shard. Its database
constraint is not Django's single-column one: migration accounts 0010 adds
`(workspace_id, x_id) REFERENCES target (workspace_id, id)` on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode


class WorkspaceForeignKey(models.ForeignKey):
    """A foreign key between two workspace-owned models; joins match on workspace_id too."""

    def __init__(self, to: Any, on_delete: Any, **kwargs: Any) -> None:
        # The composite constraint is the migrations' job (see the module docstring).
        kwargs["db_constraint"] = False
        super().__init__(to, on_delete, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)  # always False: set by __init__
        return name, path, args, kwargs

    def get_extra_restriction(self, alias: str, related_alias: str) -> WhereNode:
        # `alias` is the target's table, `related_alias` this model's, for forward and
        # reverse joins alike (ForeignObjectRel swaps them before calling here).
        target = self.remote_field.model._meta.get_field("workspace")
        source = self.model._meta.get_field("workspace")
        return WhereNode([Exact(target.get_col(alias), source.get_col(related_alias))], connector=AND)
