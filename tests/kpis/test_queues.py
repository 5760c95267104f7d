"""Heavy work (full recomputes, exports) on a queue of its own: a push's recompute never waits behind it."""

import pytest
from django.conf import settings

from accounts.models import Invitation
from accounts.services import invitation_create
from config.celery_app import app, heavy_queue, route_task
from kpis.tasks import recompute_workspace_full_task
from tests.broker import celery_worker, wait_for
from tests.kpis.test_recompute import rollup_rows, seed


@pytest.mark.parametrize(
    "name",
    ["kpis.recompute_workspace_full", "kpis.recompute_all_workspaces", "accounts.export_workspace"],
)
def test_whole_workspace_work_goes_to_the_heavy_queue(name):
    assert app.amqp.router.route({}, name)["queue"].name == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.heavy"


@pytest.mark.parametrize("name", ["kpis.recompute_workspace", "alerts.notify_event", "accounts.send_invitation"])
def test_a_push_s_recompute_and_notifications_stay_on_the_default_queue(name):
    assert route_task(name, (), {}, {}) is None
    assert app.amqp.router.route({}, name)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_the_heavy_queue_can_be_named(settings):
    settings.CELERY_HEAVY_QUEUE = "kpi-heavy"
    assert route_task("kpis.recompute_workspace_full", (), {}, {}) == {"queue": "kpi-heavy"}


@pytest.mark.broker
@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI's PostgreSQL run sets it)")
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="a worker process needs a database server"
)
@pytest.mark.django_db(transaction=True)
def test_light_work_runs_while_a_full_recompute_waits_for_the_heavy_worker(workspace, agency_owner, real_broker):
    seed(workspace)
    recompute_workspace_full_task.delay(workspace.pk)
    with celery_worker(queues=(settings.CELERY_TASK_DEFAULT_QUEUE,)):
        invitation = invitation_create(
            agency=workspace.agency, workspace=workspace, email="far@away.example", role="viewer",
            invited_by=agency_owner,
        )  # fmt: skip
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)
    assert not any(rollup_rows(workspace).values()), "the light worker took the full recompute"
    with app.connection_for_write() as connection:
        assert connection.default_channel.client.llen(heavy_queue()) == 1
    with celery_worker(queues=(heavy_queue(),)):
        assert wait_for(lambda: all(rollup_rows(workspace).values())), "the heavy worker never ran it"
