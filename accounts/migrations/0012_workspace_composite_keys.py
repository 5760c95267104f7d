"""PostgreSQL: every workspace table's primary key and foreign keys carry workspace_id.

Django keeps `id` as each model's primary key (admin, URLs, FKs unchanged); the
database's PRIMARY KEY becomes (workspace_id, id) and each foreign key between
workspace tables (the WorkspaceForeignKey fields, whose single-column constraint
the previous migrations of each app dropped) becomes (workspace_id, x_id) ->
(workspace_id, id). That is what a database distributed by workspace_id (Citus)
requires, and on plain PostgreSQL it also makes a cross-workspace link impossible.
SQLite is left as it is. Derived from the migration state at this point, so it
is deterministic; a later model needs its own migration.
"""

from django.db import migrations

# Reference tables in a distributed database (who may enter which workspace, and
# the nullable workspace_id ones): their keys stay on id.
REFERENCE_TABLES = {
    "accounts_workspacemembership",
    "accounts_invitation",
    "accounts_apikey",
    "accounts_auditentry",
}


def _workspace_models(apps):
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "workspace" in names and model._meta.db_table not in REFERENCE_TABLES and model._meta.pk.name == "id":
            yield model


def _workspace_fks(apps):
    """(table, column, target table) of every checked WorkspaceForeignKey."""
    for model in _workspace_models(apps):
        for field in model._meta.concrete_fields:
            if type(field).__name__ == "WorkspaceForeignKey" and field.remote_field.on_delete.__name__ != "DO_NOTHING":
                yield model._meta.db_table, field.column, field.related_model._meta.db_table


def _inbound_global_fks(cursor, table):
    """FKs of tables without workspace_id (M2M tables) onto `table`: (table, name, definition)."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE contype = 'f' AND confrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = conrelid AND attname = 'workspace_id')
        """,
        [table],
    )
    return cursor.fetchall()


def _swap_primary_key(cursor, table, columns, single_unique):
    inbound = _inbound_global_fks(cursor, table)
    for source, name, _ in inbound:
        cursor.execute(f'ALTER TABLE {source} DROP CONSTRAINT "{name}"')
    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey", ADD PRIMARY KEY ({columns})')
    if inbound and single_unique:
        # An M2M table (no workspace_id) still references this table's id alone: it keeps its FK on plain
        # PostgreSQL through a unique index on id. Citus refuses that index: listed in README "Scaling out".
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_id_single" UNIQUE (id)')
    if not single_unique:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_id_single"')
    for source, name, definition in inbound:
        cursor.execute(f'ALTER TABLE {source} ADD CONSTRAINT "{name}" {definition}')


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for model in _workspace_models(apps):
            _swap_primary_key(cursor, model._meta.db_table, "workspace_id, id", single_unique=True)
        for table, column, target in _workspace_fks(apps):
            cursor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_ws_fk"'
                f' FOREIGN KEY (workspace_id, {column}) REFERENCES "{target}" (workspace_id, id)'
                " DEFERRABLE INITIALLY DEFERRED"
            )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, _ in _workspace_fks(apps):
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_{column}_ws_fk"')
        for model in _workspace_models(apps):
            _swap_primary_key(cursor, model._meta.db_table, "id", single_unique=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_audit_second_factors"),
        ("alerts", "0003_workspace_keys"),
        ("campaigns", "0015_workspace_keys"),
        ("kpis", "0013_workspace_keys"),
        ("onboarding", "0001_initial"),
        ("reports", "0002_workspace_keys"),
        ("sharing", "0003_workspace_keys"),
        ("tracking", "0002_workspace_keys"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
