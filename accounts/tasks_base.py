"""The base class of every Celery task of the project."""

import contextvars

from celery import Task


class ScopedTask(Task):
    """Runs each task body in a fresh context.

    A task never inherits the caller's workspace (an eager task runs inside the
    request that queued it) and never leaves one behind in the worker: it sets
    its own with `workspace_scope()` from the ids it was given.
    """

    def __call__(self, *args, **kwargs):
        return contextvars.Context().run(super().__call__, *args, **kwargs)
