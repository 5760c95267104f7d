from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPI engine"

    def ready(self) -> None:
        from accounts.settings_changes import on_workspace_settings_change
        from campaigns.changes import on_data_change
        from kpis.tasks import recompute_workspace_full_task, schedule_workspace_recompute

        on_data_change(schedule_workspace_recompute)
        # A new time zone or KPI setting changes every figure: recompute the whole workspace.
        on_workspace_settings_change(recompute_workspace_full_task.delay)
