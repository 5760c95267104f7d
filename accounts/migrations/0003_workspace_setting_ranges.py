"""KPI settings in days get a range (1 to 3,650); values saved before it are brought into it.

A workspace saved with, say, engagement_window_days = 2^31 - 1 made its ABM
pages fail until someone changed it: clamping here mends it on deploy.
"""

from django.db import migrations, models

import accounts.models

MAX_SETTING_DAYS = 3650  # accounts.models.MAX_SETTING_DAYS when this was written


def clamp_day_settings(apps, schema_editor) -> None:
    Workspace = apps.get_model("accounts", "Workspace")
    for name in ("engagement_window_days", "half_life_days"):
        Workspace.objects.filter(**{f"{name}__gt": MAX_SETTING_DAYS}).update(**{name: MAX_SETTING_DAYS})
        Workspace.objects.filter(**{f"{name}__lt": 1}).update(**{name: 1})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_workspace_number_locale")]

    operations = [
        migrations.AlterField(
            model_name="workspace",
            name="engagement_window_days",
            field=models.PositiveIntegerField(default=90, validators=[accounts.models.validate_engagement_window_days]),
        ),
        migrations.AlterField(
            model_name="workspace",
            name="half_life_days",
            field=models.PositiveIntegerField(default=30, validators=[accounts.models.validate_half_life_days]),
        ),
        migrations.RunPython(clamp_day_settings, migrations.RunPython.noop),
    ]
