"""Tell PostgreSQL's planner how distinct session and visitor ids are.

ANALYZE samples 30,000 rows, which sees most session ids once and so
estimates tens of thousands of distinct values where there are millions.
The planner then expects each session id to match dozens of rows, and the
KPI engine's rebuild of a day's sessions (by session id) reads every page
view of the workspace instead of a few thousand through the index. A
fraction of the rows (a negative n_distinct) stays right as the table grows.
"""

from django.db import migrations

COLUMNS = {"session_id": -0.15, "visitor_id": -0.1}


def set_distinct(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, fraction in COLUMNS.items():
        schema_editor.execute(f"ALTER TABLE campaigns_touchpoint ALTER COLUMN {column} SET (n_distinct = {fraction})")


def reset_distinct(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE campaigns_touchpoint ALTER COLUMN {column} RESET (n_distinct)")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0004_touchpoint_drop_kind_time_index")]

    operations = [migrations.RunPython(set_distinct, reset_distinct)]
