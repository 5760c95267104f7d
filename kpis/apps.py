from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPI engine"

    def ready(self) -> None:
        from campaigns.changes import on_data_change
        from kpis.tasks import schedule_workspace_recompute

        on_data_change(schedule_workspace_recompute)
