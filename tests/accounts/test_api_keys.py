import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey
from accounts.rls import rls_bypass
from accounts.services import api_key_create, api_key_revoke
from accounts.tenancy import workspace_scope

URL = "/api/v1/workspace/"


def test_key_is_shown_once_and_stored_hashed(workspace):
    key, raw = api_key_create(workspace=workspace, name="HubSpot")
    assert raw.startswith(f"mk_{key.prefix}_")
    stored = ApiKey.objects.unscoped().get(pk=key.pk)
    assert raw not in stored.secret_hash
    assert raw.split("_", 2)[2] not in stored.secret_hash
    # Nothing in the whole table holds the secret in clear.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        dump = repr(cursor.fetchall())
    assert raw.split("_", 2)[2] not in dump


def _every_row_of_every_table() -> str:
    with rls_bypass(), connection.cursor() as cursor:
        rows = []
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows.append(repr(cursor.fetchall()))
    return "\n".join(rows)


@pytest.mark.django_db(transaction=True)
def test_no_table_holds_an_issued_key_in_clear(member_client, workspace):
    # Issued through the page a user uses (session, messages, logs in tables: anything could keep it) and used once.
    response = member_client.post(f"/w/{workspace.slug}/api-keys/", {"name": "HubSpot"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw in response.content.decode()  # shown once, on this page
    assert Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    dump = _every_row_of_every_table()
    assert raw.split("_", 2)[1] in dump  # the dump reads the key table: the key's public prefix is there
    assert raw not in dump
    assert raw.split("_", 2)[2] not in dump


def test_a_key_reads_its_own_workspace(api_client, workspace):
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response.json()["slug"] == workspace.slug
    assert response.json()["mqa_threshold"] == "20.00"


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer mk_nope_nope", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_missing_or_bad_key_is_401(client, header, db):
    response = client.get(URL, HTTP_AUTHORIZATION=header) if header else client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_right_prefix_wrong_secret_is_401(client, workspace):
    key, _raw = api_key_create(workspace=workspace, name="k")
    forged = f"mk_{key.prefix}_{'A' * 43}"
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_revocation_is_effective_on_the_next_request(client, workspace):
    key, raw = api_key_create(workspace=workspace, name="k")
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    api_key_revoke(key=key)
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_key_in_query_string_is_refused(client, api_key):
    response = client.get(f"{URL}?api_key={api_key}", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 401
    assert "header" in response.json()["detail"]


def test_last_used_is_recorded(client, workspace):
    key, raw = api_key_create(workspace=workspace, name="k")
    before = timezone.now()
    client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    with workspace_scope(workspace):
        key.refresh_from_db()
    assert key.last_used_at >= before


def test_throttled_key_gets_429_with_retry_after(api_client, settings, monkeypatch):
    from accounts.authentication import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: 1_800_000_000.0)  # one window throughout
    codes = [api_client.get(URL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert int(api_client.get(URL)["Retry-After"]) > 0


def test_a_429_is_not_logged_but_other_refusals_are(api_client, monkeypatch, caplog):
    """A client flooding past its limit must not flood the logs too."""
    from accounts.authentication import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "1/min"})
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: 1_800_000_000.0)  # one window throughout
    with caplog.at_level("WARNING", logger="django.request"):
        assert api_client.get("/api/v1/campaigns/nope/").status_code == 404
        assert api_client.get(URL).status_code == 429
    assert [r.status_code for r in caplog.records if r.name == "django.request"] == [404]


def test_workspace_scope_is_gone_after_an_api_request(api_client):
    from accounts.tenancy import current_workspace

    api_client.get(URL)
    assert current_workspace() is None


def test_with_a_shared_cache_a_known_key_costs_no_query_and_revocation_still_applies(client, workspace, settings):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    settings.CACHE_URL = "redis://shared.example/0"  # what makes the app trust the cache across processes
    cache.clear()
    key, raw = api_key_create(workspace=workspace, name="k")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(URL, **auth).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, **auth).status_code == 200
    assert not [q for q in queries.captured_queries if "accounts_apikey" in q["sql"]]
    forged = f"mk_{key.prefix}_{'A' * 43}"  # the cached row still checks the secret
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    api_key_revoke(key=key)
    assert client.get(URL, **auth).status_code == 401
