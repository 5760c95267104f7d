"""Heavy work (full recomputes, exports) on a queue of its own: a push's recompute never waits behind it."""

import pytest
from django.conf import settings

from accounts.models import Invitation
from accounts.services import invitation_create
from config.celery_app import app, heavy_queue, route_task
from kpis.selectors import kpis_for_period
from kpis.services import pending_changes_exist
from kpis.tasks import recompute_workspace_full_task
from tests.broker import celery_worker, wait_for
from tests.data_factories import CampaignFactory
from tests.kpis.test_recompute import rollup_rows, seed
from tests.kpis.test_stats_kpis import JAN


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


@pytest.mark.broker
@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI's PostgreSQL run sets it)")
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="a worker process needs a database server"
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_lose_no_push_of_two_workspaces(
    workspace, other_workspace, api_client, other_api_client, real_broker
):
    """Two pool processes, bursts of pushes from two workspaces: every push counted once, none left pending."""
    for ws in (workspace, other_workspace):
        CampaignFactory(workspace=ws, external_id="news", channel="email")
    with celery_worker(concurrency=2):
        for day in range(1, 13):  # 12 pushes each, back to back: coalesced bursts, both workers busy
            for client, sent in ((api_client, 10), (other_api_client, 7)):
                response = client.post(
                    "/api/v1/email-stats/",
                    {"campaign": "news", "date": f"2026-01-{day:02d}", "sent": sent, "bounces": 0},
                    format="json",
                )
                assert response.status_code == 200
        for ws, total in ((workspace, 12 * 10), (other_workspace, 12 * 7)):
            assert wait_for(
                lambda ws=ws, total=total: (
                    not pending_changes_exist(ws.pk) and kpis_for_period(workspace=ws, **JAN)["emails_sent"] == total
                ),
                timeout=60,
            ), f"{ws.slug}: {kpis_for_period(workspace=ws, **JAN)['emails_sent']} sent, not {total}"
