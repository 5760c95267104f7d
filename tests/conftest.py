from __future__ import annotations

import os

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AgencyRole
from accounts.rls import rls_bypass
from accounts.services import api_key_create
from tests.app_role import SUITE_AS_APP_ROLE, as_admin, create_app_role, role_name
from tests.clock import SEEDED_NOW
from tests.factories import AgencyMembershipFactory, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

if os.environ.get("CITUS") == "1":

    @pytest.fixture(scope="session")
    def django_db_setup() -> None:
        """CITUS=1: the tests run in DATABASE_URL itself, made beforehand on every node, migrated and
        distributed (.ci/citus): pytest-django's CREATE DATABASE would reach the coordinator only."""


if SUITE_AS_APP_ROLE:

    @pytest.fixture(scope="session", autouse=True)
    def _flush_as_admin():
        """The flush after a transactional test empties every table, the audit log's too, which the
        app's role may not: it runs as the admin role (tests/app_role.py)."""
        from django.test import TransactionTestCase

        original = TransactionTestCase._fixture_teardown

        def teardown(self):
            with as_admin():
                original(self)

        TransactionTestCase._fixture_teardown = teardown
        yield
        TransactionTestCase._fixture_teardown = original

    @pytest.fixture(autouse=True)
    def _set_up_through_the_wall():
        """The suite connects as the app's role, under row-level security: a test's own set-up and
        checks read and write across workspaces, as an admin's would. The app's doors do not inherit
        this: every request and task starts with no workspace and no bypass (no_workspace_scope),
        and `as_role` switches the bypass off."""
        with rls_bypass():
            yield


@pytest.fixture(autouse=True)
def _isolated_throttle_cache(settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app_role(db) -> str:
    """The app's ordinary database role (tests/app_role.py; PostgreSQL): switch to it with `as_role`."""
    from django.db import connection

    role = role_name()
    with connection.cursor() as cursor:
        create_app_role(cursor, role)
    return role


@pytest.fixture
def fixed_clock():
    """The process's clock starts at SEEDED_NOW and ticks on (a live server thread shares it)."""
    with time_machine.travel(SEEDED_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme Client", slug="acme")


@pytest.fixture
def other_workspace(db):
    """A workspace of another agency: nothing of it may ever show through `workspace`'s doors."""
    return WorkspaceFactory(name="Globex Client", slug="globex")


@pytest.fixture
def agency_owner(workspace):
    return AgencyMembershipFactory(agency=workspace.agency, role=AgencyRole.OWNER).user


@pytest.fixture
def other_owner(other_workspace):
    return AgencyMembershipFactory(agency=other_workspace.agency, role=AgencyRole.OWNER).user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def member_client(agency_owner) -> Client:
    """A browser session of the agency owner of `workspace`."""
    return _client_for(agency_owner)


@pytest.fixture
def other_client(other_owner) -> Client:
    """A browser session of another agency's owner."""
    return _client_for(other_owner)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def make_user(db):
    def make(workspace=None, role=None, agency_role=None, **kwargs):
        user = UserFactory(**kwargs)
        if agency_role:
            AgencyMembershipFactory(agency=workspace.agency, user=user, role=agency_role)
        if role:
            WorkspaceMembershipFactory(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture
def api_key(workspace) -> str:
    return api_key_create(workspace=workspace, name="test")[1]


@pytest.fixture
def other_api_key(other_workspace) -> str:
    return api_key_create(workspace=other_workspace, name="other")[1]


@pytest.fixture
def api_client(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


@pytest.fixture
def other_api_client(other_api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_api_key}")
    return client


@pytest.fixture
def real_broker():
    """Tasks through the configured broker (not eager), starting from an empty one."""
    from config.celery_app import app
    from tests.broker import broker_reset

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    broker_reset()
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def clock_cache(settings):
    """A process-local cache whose expiry follows the frozen clock (Redis counts its TTLs in real time)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clock"}}


@pytest.fixture
def people(workspace, make_user, other_owner) -> dict:
    """One person of each of tests.factories.ROLES around `workspace` (and one of another agency)."""
    return {
        "agency_owner": make_user(workspace, agency_role=AgencyRole.OWNER),
        "agency_admin": make_user(workspace, agency_role=AgencyRole.ADMIN),
        "agency_member": make_user(workspace, agency_role=AgencyRole.MEMBER),
        "ws_admin": make_user(workspace, role="admin"),
        "ws_editor": make_user(workspace, role="editor"),
        "ws_viewer": make_user(workspace, role="viewer"),
        "outsider": other_owner,
    }
