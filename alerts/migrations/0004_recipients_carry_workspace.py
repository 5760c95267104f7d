"""The rules' recipients (a many-to-many table) carry workspace_id, like every other workspace table.

The table keeps its name and rows; Django now knows it as `AlertRecipient`. On
PostgreSQL its keys become (workspace_id, id) and (workspace_id, alertrule_id) ->
alerts_alertrule (workspace_id, id), so the rule table loses the unique index on
id alone that the old foreign key needed and that Citus refuses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import accounts.workspace_keys

TABLE = "alerts_alertrule_recipients"
OLD_UNIQUE = "alerts_alertrule_recipients_alertrule_id_user_id_360463a3_uniq"
OLD_RULE_FK = "alerts_alertrule_rec_alertrule_id_6941f669_fk_alerts_al"


def fill_workspace(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET workspace_id ="
            f" (SELECT r.workspace_id FROM alerts_alertrule r WHERE r.id = {TABLE}.alertrule_id)"
        )


def keys_forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite rebuilt the table from the new state: no old keys left
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS "{OLD_UNIQUE}"')
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS "{OLD_RULE_FK}"')
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{TABLE}_pkey", ADD PRIMARY KEY (workspace_id, id)')
        cursor.execute(
            f'ALTER TABLE {TABLE} ADD CONSTRAINT "{TABLE}_alertrule_id_ws_fk" FOREIGN KEY (workspace_id, alertrule_id)'
            " REFERENCES alerts_alertrule (workspace_id, id) DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute('ALTER TABLE alerts_alertrule DROP CONSTRAINT IF EXISTS "alerts_alertrule_id_single"')


def keys_backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute('ALTER TABLE alerts_alertrule ADD CONSTRAINT "alerts_alertrule_id_single" UNIQUE (id)')
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{TABLE}_alertrule_id_ws_fk"')
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{TABLE}_pkey", ADD PRIMARY KEY (id)')
        cursor.execute(
            f'ALTER TABLE {TABLE} ADD CONSTRAINT "{OLD_RULE_FK}" FOREIGN KEY (alertrule_id)'
            " REFERENCES alerts_alertrule (id) DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{OLD_UNIQUE}" UNIQUE (alertrule_id, user_id)')


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_workspace_composite_keys"),
        ("alerts", "0003_workspace_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Django's own table for the many-to-many, named as a model: nothing changes in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AlertRecipient",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "rule",
                            accounts.workspace_keys.WorkspaceForeignKey(
                                db_column="alertrule_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="alerts.alertrule",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": TABLE},
                ),
                migrations.AlterField(
                    model_name="alertrule",
                    name="recipients",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="alerts.AlertRecipient",
                        through_fields=("rule", "user"),
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="alertrecipient",
            name="workspace",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
            ),
        ),
        migrations.RunPython(fill_workspace, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="alertrecipient",
            name="workspace",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
            ),
        ),
        migrations.RunPython(keys_forward, keys_backward),
        migrations.AddConstraint(
            model_name="alertrecipient",
            constraint=models.UniqueConstraint(fields=("workspace", "rule", "user"), name="alert_recipient_once"),
        ),
    ]
