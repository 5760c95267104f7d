import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency, AgencyMembership, User, Workspace


def provision(capsys, *args):
    call_command("provision", *args)
    return json.loads(capsys.readouterr().out.strip())


@pytest.mark.django_db
def test_provision_creates_everything_and_prints_one_json_line(capsys, client):
    out = provision(
        capsys,
        "--agency",
        "Acme Agency",
        "--workspace",
        "Acme Corp",
        "--owner-email",
        "Boss@Acme.example",
        "--password",
        "a long enough password",
        "--currency",
        "EUR",
        "--timezone",
        "Europe/Paris",
    )
    assert set(out) == {"agency", "workspace", "api_key"}
    workspace = Workspace.objects.get(slug=out["workspace"])
    assert (workspace.agency.slug, workspace.currency, workspace.time_zone) == (out["agency"], "EUR", "Europe/Paris")
    owner = User.objects.get(email="boss@acme.example")
    assert owner.check_password("a long enough password")
    assert AgencyMembership.objects.get(user=owner).role == "owner"
    response = client.get("/api/v1/workspace/", HTTP_AUTHORIZATION=f"Bearer {out['api_key']}")
    assert response.json()["slug"] == out["workspace"]


@pytest.mark.django_db
def test_provision_again_creates_only_a_new_key(capsys):
    args = ["--agency", "Acme Agency", "--workspace", "Acme Corp", "--owner-email", "boss@acme.example"]
    first = provision(capsys, *args)
    second = provision(capsys, *args)
    assert (first["agency"], first["workspace"]) == (second["agency"], second["workspace"])
    assert first["api_key"] != second["api_key"]
    assert (Agency.objects.count(), Workspace.objects.count(), User.objects.count()) == (1, 1, 1)


@pytest.mark.django_db
def test_provision_rejects_a_bad_time_zone_cleanly():
    with pytest.raises(CommandError, match="time zone"):
        call_command(
            "provision",
            "--agency",
            "A",
            "--workspace",
            "W",
            "--owner-email",
            "x@y.example",
            "--timezone",
            "Mars/Olympus",
        )
    assert Workspace.objects.count() == 0
