"""The audit log's two purge functions in PL/pgSQL (accounts/audit_db.py): same behaviour, and Citus can plan them.

A SQL function's statements reach Citus with their parameters unbound, which it refuses ("could not
create distributed plan"). CREATE OR REPLACE keeps each function's owner and grants. PostgreSQL only.
"""

from django.db import migrations

from accounts import audit_db


def replace_functions(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        for statement in audit_db.create_functions_sql(schema, connection.ops.quote_name):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_workspace_composite_keys"),
    ]

    # Backwards: the PL/pgSQL form behaves as the SQL one did, so it stays.
    operations = [migrations.RunPython(replace_functions, migrations.RunPython.noop)]
