"""The Celery application; its settings come from Django's, prefixed CELERY_.

Two queues: the default one carries the light, latency-bound work (the
recompute a push queues, notifications); HEAVY_TASKS go to the heavy queue,
consumed by workers of their own, so a big workspace's full recompute never
holds a slot that the small workspaces' pushes wait for (README, The
production stack).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Whole-workspace or whole-installation work: minutes on a big workspace.
HEAVY_TASKS = frozenset(
    {
        "kpis.recompute_workspace_full",
        "kpis.recompute_all_workspaces",
        "accounts.export_workspace",
        "campaigns.purge_retention",
    }
)


def heavy_queue() -> str:
    """CELERY_HEAVY_QUEUE, or the default queue's name suffixed `.heavy` (so each test run has its own)."""
    from django.conf import settings

    return getattr(settings, "CELERY_HEAVY_QUEUE", "") or f"{settings.CELERY_TASK_DEFAULT_QUEUE}.heavy"


def worker_queues(environ: dict) -> str:
    """`-Q` for a worker that reads both queues, from the environment it is started with (bench, loadtest)."""
    default = environ.get("CELERY_QUEUE") or "celery"
    return f"{default},{environ.get('CELERY_HEAVY_QUEUE') or default + '.heavy'}"


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router: heavy tasks to the heavy queue; None leaves the rest on the default queue."""
    return {"queue": heavy_queue()} if name in HEAVY_TASKS else None


app = Celery("config", task_cls="accounts.tasks_base:ScopedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
