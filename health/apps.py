from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Data health and daily digest"

    def ready(self) -> None:
        from health.attention import stale_source_items
        from kpis import attention

        # The agency overview's "needs attention" list and the daily digest show stale sources.
        attention.register("stale_source", stale_source_items)
