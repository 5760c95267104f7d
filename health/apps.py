from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Data health and daily digest"

    def ready(self) -> None:
        from alerts import health_checks
        from health.attention import stale_descriptions, stale_source_items
        from kpis import attention

        # The agency overview's "needs attention" list and the daily digest show stale sources.
        attention.register("stale_source", stale_source_items)
        # Alert rules on data health ask which sources are stale.
        health_checks.register(stale_descriptions)
