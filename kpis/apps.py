from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPI engine"

    def ready(self) -> None:
        from accounts.offboarding import on_workspace_deleted
        from accounts.settings_changes import on_workspace_settings_change
        from campaigns.changes import on_data_change
        from kpis import attention
        from kpis.target_attention import off_pace_items
        from kpis.tasks import forget_workspace, recompute_workspace_full_task, schedule_workspace_recompute

        on_data_change(schedule_workspace_recompute)
        # A new time zone or KPI setting changes every figure: recompute the whole workspace.
        on_workspace_settings_change(recompute_workspace_full_task.delay)
        # A deleted workspace's rollups go with its rows; its cached recompute flag goes here.
        on_workspace_deleted(forget_workspace)
        # The agency overview's "needs attention" list and the daily digest show targets off pace.
        attention.register("target_off_pace", off_pace_items)
