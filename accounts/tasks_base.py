"""The base class of every Celery task of the project."""

from celery import Task

from accounts.tenancy import no_workspace_scope


class ScopedTask(Task):
    """Runs each task body with no workspace in scope.

    A task never inherits the caller's workspace (an eager task runs inside the
    request that queued it) and never leaves one behind in the worker: it sets
    its own with `workspace_scope()` from the ids it was given.
    """

    def __call__(self, *args, **kwargs):
        with no_workspace_scope():
            return super().__call__(*args, **kwargs)
