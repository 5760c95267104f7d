from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts.attention import firing_rules
        from alerts.evaluation import on_rollups_recomputed
        from kpis import attention
        from kpis.signals import rollups_recomputed

        rollups_recomputed.connect(on_rollups_recomputed, dispatch_uid="alerts-evaluate")
        attention.register("alerts", firing_rules)
