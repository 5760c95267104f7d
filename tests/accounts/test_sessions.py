"""Sessions: rotated at login, dead after logout, ended for a disabled user."""

from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import PASSWORD


def login(client: Client, user) -> None:
    response = client.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_login_issues_a_new_session_key(agency_owner):
    client = Client()
    client.get("/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    login(client, agency_owner)
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"


def test_login_rotates_an_existing_session(agency_owner):
    # A real anonymous session (planted by an attacker, say) is not the one that ends up logged in.
    client = Client()
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    login(client, agency_owner)
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(agency_owner.pk)


def test_old_cookie_is_dead_after_logout(agency_owner, workspace):
    client = Client()
    login(client, agency_owner)
    stolen = client.cookies["sessionid"].value
    client.post("/logout/")
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(f"/w/{workspace.slug}/")["Location"].startswith("/login/")


def test_disabling_a_user_ends_their_sessions(agency_owner, workspace):
    client = Client()
    login(client, agency_owner)
    assert client.get(f"/w/{workspace.slug}/").status_code == 200
    agency_owner.is_active = False
    agency_owner.save()
    assert client.get(f"/w/{workspace.slug}/")["Location"].startswith("/login/")


def test_password_change_ends_other_sessions(agency_owner, workspace):
    laptop, phone = Client(), Client()
    login(laptop, agency_owner)
    login(phone, agency_owner)
    laptop.post(
        "/password-change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert laptop.get(f"/w/{workspace.slug}/").status_code == 200
    assert phone.get(f"/w/{workspace.slug}/")["Location"].startswith("/login/")
