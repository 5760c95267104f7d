"""Distribute the schema on a Citus coordinator: run once after `migrate` (and after each later one). Idempotent.

Global tables become reference tables (a copy on every node), referenced ones
first; every workspace table is distributed by workspace_id, all colocated, so
a workspace's rows of every table live on the same node.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction

from accounts.distribution import distributed_tables
from accounts.rls import POLICY_NAME, rls_enforce, workspace_tables


def _foreign_keys(cursor) -> list[tuple[str, str, str, str]]:
    cursor.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    )
    return cursor.fetchall()


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        " AND relkind IN ('r', 'p') AND relname <> 'django_migrations'"
    )
    return [name for (name,) in cursor.fetchall()]


def _placed(cursor) -> set[str]:
    # Not pg_dist_partition: it also lists the "Citus local" tables Citus makes on its own.
    cursor.execute("SELECT table_name::text FROM citus_tables")
    return {name for (name,) in cursor.fetchall()}


class Command(BaseCommand):
    help = "On a Citus coordinator: reference tables for global tables, distribute workspace tables by workspace_id."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--shard-count",
            type=int,
            help="shards per distributed table (Citus's citus.shard_count, 32 by default); "
            "a few suit a cluster on one machine, many let a growing cluster rebalance",
        )

    def handle(self, *args, database: str = "default", shard_count: int | None = None, **options) -> None:
        connection = connections[database]
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                raise CommandError("citus_distribute needs PostgreSQL with the citus extension (a Citus coordinator).")
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
            if cursor.fetchone() is None:
                raise CommandError(
                    "This database has no citus extension: citus_distribute runs only on a Citus coordinator "
                    "(CREATE EXTENSION citus; workers added with citus_add_node). Plain PostgreSQL needs nothing."
                )
            # One connection per node: foreign keys onto reference tables are added in this transaction.
            cursor.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
            if shard_count is not None:
                if not 1 <= shard_count <= 64000:
                    raise CommandError("--shard-count must be between 1 and 64000.")
                cursor.execute(f"SET LOCAL citus.shard_count TO {shard_count:d}")
            # Citus rebuilds tables it converts on the way (a local table linked to a new reference table)
            # and cannot rebuild them with their row-level security policies: they come back afterwards.
            for table in workspace_tables(cursor):
                cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {connection.ops.quote_name(table)}")
            self._distribute(cursor)
        try:
            rls_enforce(using=database)
        except DatabaseError as error:
            raise CommandError(
                f"Tables placed, but the row-level security policies could not be re-created ({error}). "
                "On Citus a policy may not contain a subquery."
            ) from error

    def _distribute(self, cursor) -> None:
        distributed = set(distributed_tables(cursor))
        fks = _foreign_keys(cursor)
        # A global table that references a distributed one (a many-to-many without workspace_id) cannot be a
        # reference table: it stays local. The schema has none now (alerts 0004 gave the recipients workspace_id).
        local = {source for source, target, _, _ in fks if target in distributed and source not in distributed}
        placed = _placed(cursor)
        # Foreign keys come off while tables are placed and go back afterwards: a local table linked to a
        # new reference table would otherwise be converted by Citus, which it cannot do with identity columns.
        for source, _, name, _ in fks:
            cursor.execute(f'ALTER TABLE "{source}" DROP CONSTRAINT "{name}"')
        for table in distributed - placed:
            # The unique index on id alone kept for a table without workspace_id (migration accounts 0010):
            # Citus refuses it, and that table stays local, without its foreign key.
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_id_single"')
        colocate = next((t for t in sorted(distributed) if t in placed), None)
        for table in sorted(set(_tables(cursor)) - placed - local):
            if table in distributed:
                cursor.execute(
                    "SELECT create_distributed_table(%s, 'workspace_id', colocate_with => %s)",
                    [table, colocate or "default"],
                )
                colocate = colocate or table
            else:
                cursor.execute("SELECT create_reference_table(%s)", [table])
            self.stdout.write(f"{'distributed' if table in distributed else 'reference'}: {table}")
        for source, _, name, definition in fks:
            if source in local:
                self.stderr.write(f"left local, without its foreign key {name}: {source} (no workspace_id)")
                continue
            cursor.execute(f'ALTER TABLE "{source}" ADD CONSTRAINT "{name}" {definition}')
