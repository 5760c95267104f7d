import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AgencyMembership, ApiKey, Invitation, User, Workspace, WorkspaceMembership
from tests.factories import PASSWORD


@pytest.fixture
def post_committed(django_capture_on_commit_callbacks):
    """POST, then run what the view queued for after commit (the invitation email)."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def invitation_link(message) -> str:
    return re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_agency_signup_creates_agency_and_owner_and_logs_in(client):
    response = client.post(
        "/signup/",
        {
            "agency_name": "Bright Agency",
            "full_name": "Ada Bright",
            "email": "Ada@Bright.example",
            "password1": "a-very-good-passphrase",
            "password2": "a-very-good-passphrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workspaces/new/"
    user = User.objects.get(email="ada@bright.example")
    membership = AgencyMembership.objects.get(user=user)
    assert (membership.agency.name, membership.role) == ("Bright Agency", "owner")
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "field", "message"),
    [
        ("password", "password1", "too common"),
        ("12345678901", "password1", "entirely numeric"),
        ("short1!", "password1", "too short"),
    ],
)
def test_signup_refuses_weak_passwords_with_a_form_error(client, password, field, message):
    response = client.post(
        "/signup/",
        {"agency_name": "A", "email": "a@b.example", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_signup_with_an_existing_email_is_a_form_error(client, agency_owner):
    response = client.post(
        "/signup/",
        {
            "agency_name": "A",
            "email": agency_owner.email,
            "password1": "x-good-passphrase",
            "password2": "x-good-passphrase",
        },
    )
    assert "sign in instead" in response.content.decode()


def test_login_by_email_and_logout(agency_owner):
    client = Client()
    response = client.post("/login/", {"username": agency_owner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_answers_the_same_for_unknown_and_wrong_password(agency_owner):
    unknown = Client().post("/login/", {"username": "nobody@example.com", "password": "whatever-pass"})
    wrong = Client().post("/login/", {"username": agency_owner.email, "password": "whatever-pass"})
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_login_is_locked_after_ten_failures(agency_owner):
    client = Client()
    for _ in range(10):
        client.post("/login/", {"username": agency_owner.email, "password": "wrong-password"})
    response = client.post("/login/", {"username": agency_owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_password_reset_by_email(agency_owner):
    client = Client()
    response = client.post("/password-reset/", {"email": agency_owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert response.status_code == 302
    agency_owner.refresh_from_db()
    assert agency_owner.check_password("brand-new-passphrase")


def test_password_reset_for_an_unknown_email_looks_the_same(db):
    response = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_agency_owner_creates_a_workspace(member_client, workspace):
    response = member_client.post(
        "/workspaces/new/", {"name": "Initech", "currency": "gbp", "time_zone": "Europe/London"}
    )
    created = Workspace.objects.get(name="Initech")
    assert response["Location"] == f"/w/{created.slug}/"
    assert (created.agency, created.currency, created.time_zone) == (workspace.agency, "GBP", "Europe/London")
    page = member_client.get(f"/w/{created.slug}/")
    assert "No data yet" in page.content.decode()


def test_workspace_create_shows_field_errors(member_client):
    response = member_client.post("/workspaces/new/", {"name": "", "currency": "dollars", "time_zone": "Nowhere/City"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "currency", "time_zone"}


def test_invite_a_new_client_marketer_who_creates_an_account(member_client, workspace, post_committed):
    response = post_committed(
        member_client, f"/w/{workspace.slug}/members/", {"email": "Client@Acme.example", "role": "viewer"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="client@acme.example")
    assert invitation.sent_at is not None and invitation.token_hash
    link = invitation_link(mail.outbox[-1])
    assert link.split("/")[2] not in invitation.token_hash  # only the hash is stored

    newcomer = Client()
    assert "Create your account" in newcomer.get(link).content.decode()
    response = newcomer.post(
        link, {"full_name": "Cli Ent", "password1": "client-passphrase-1", "password2": "client-passphrase-1"}
    )
    assert response["Location"] == f"/w/{workspace.slug}/"
    user = User.objects.get(email="client@acme.example")
    assert WorkspaceMembership.objects.get(user=user, workspace=workspace).role == "viewer"
    assert newcomer.get(f"/w/{workspace.slug}/").status_code == 200
    # The link is single-use.
    assert Client().post(link, {"password1": "x-passphrase-2", "password2": "x-passphrase-2"}).status_code == 410


def test_invitation_links_an_existing_user_after_login(
    member_client, workspace, make_user, other_workspace, post_committed
):
    existing = make_user(other_workspace, role="editor", email="known@example.com")
    post_committed(member_client, f"/w/{workspace.slug}/members/", {"email": "known@example.com", "role": "editor"})
    link = invitation_link(mail.outbox[-1])
    anonymous = Client()
    assert anonymous.post(link)["Location"].startswith("/login/?next=")
    someone_else = make_user(workspace, role="viewer")
    client = Client()
    client.force_login(someone_else)
    assert client.post(link).status_code == 403
    client.force_login(existing)
    assert client.post(link)["Location"] == f"/w/{workspace.slug}/"
    assert WorkspaceMembership.objects.get(user=existing, workspace=workspace).role == "editor"
    assert User.objects.filter(email="known@example.com").count() == 1


def test_expired_invitation_cannot_be_accepted(member_client, workspace, post_committed):
    post_committed(member_client, f"/w/{workspace.slug}/members/", {"email": "late@example.com", "role": "viewer"})
    link = invitation_link(mail.outbox[-1])
    Invitation.objects.update(expires_at="2020-01-01T00:00:00Z")
    response = Client().post(link, {"password1": "late-passphrase-1", "password2": "late-passphrase-1"})
    assert response.status_code == 410
    assert not User.objects.filter(email="late@example.com").exists()


def test_invite_agency_staff(member_client, workspace, post_committed):
    agency = workspace.agency
    post_committed(
        member_client, f"/agency/{agency.slug}/members/", {"email": "staff@agency.example", "role": "member"}
    )
    link = invitation_link(mail.outbox[-1])
    Client().post(link, {"password1": "staff-passphrase-1", "password2": "staff-passphrase-1"})
    membership = AgencyMembership.objects.get(user__email="staff@agency.example")
    assert (membership.agency, membership.role) == (agency, "member")


def test_invite_form_errors_are_shown(member_client, workspace, post_committed):
    response = post_committed(member_client, f"/w/{workspace.slug}/members/", {"email": "not-an-email", "role": "god"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "role"}
    assert not Invitation.objects.exists()


def test_switcher_lists_only_reachable_workspaces(member_client, workspace, other_workspace):
    page = member_client.get("/").content.decode()
    assert workspace.name in page and other_workspace.name not in page


def test_change_role_and_remove_member(member_client, workspace, make_user):
    viewer = make_user(workspace, role="viewer")
    membership = WorkspaceMembership.objects.get(user=viewer)
    member_client.post(f"/w/{workspace.slug}/members/{membership.pk}/", {"role": "editor"})
    membership.refresh_from_db()
    assert membership.role == "editor"
    member_client.post(f"/w/{workspace.slug}/members/{membership.pk}/", {"action": "remove"})
    assert not WorkspaceMembership.objects.filter(pk=membership.pk).exists()


def test_agency_owner_cannot_be_demoted_or_removed(member_client, workspace, agency_owner):
    membership = AgencyMembership.objects.get(user=agency_owner)
    member_client.post(f"/agency/{workspace.agency.slug}/members/{membership.pk}/", {"action": "remove"})
    member_client.post(f"/agency/{workspace.agency.slug}/members/{membership.pk}/", {"role": "member"})
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_api_key_created_shown_once_then_revoked(member_client, workspace):
    response = member_client.post(f"/w/{workspace.slug}/api-keys/", {"name": "HubSpot sync"})
    raw = re.search(r'id="new-key">([^<]+)<', response.content.decode()).group(1)
    assert response["Cache-Control"] == "no-store"
    assert Client().get("/api/v1/workspace/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    listing = member_client.get(f"/w/{workspace.slug}/api-keys/").content.decode()
    assert "HubSpot sync" in listing and raw not in listing
    key = ApiKey.objects.unscoped().get(name="HubSpot sync")
    member_client.post(f"/w/{workspace.slug}/api-keys/{key.pk}/revoke/")
    assert Client().get("/api/v1/workspace/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_settings_page_saves_kpi_settings(member_client, workspace):
    from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS

    data = {
        "name": "Acme Client",
        "currency": "usd",
        "time_zone": "America/New_York",
        "gross_margin": "0.75",
        "engagement_window_days": 60,
        "half_life_days": 14,
        "mqa_threshold": "25",
        **{f"weight_{kind}": weight for kind, weight in DEFAULT_ENGAGEMENT_WEIGHTS.items()},
        "weight_meeting": "20",
    }
    assert member_client.post(f"/w/{workspace.slug}/settings/", data).status_code == 302
    workspace.refresh_from_db()
    assert (str(workspace.gross_margin), workspace.half_life_days, workspace.currency) == ("0.7500", 14, "USD")
    assert workspace.engagement_weights == {**DEFAULT_ENGAGEMENT_WEIGHTS, "meeting": 20}
    bad = member_client.post(
        f"/w/{workspace.slug}/settings/", {**data, "gross_margin": "1.5", "weight_page_view": "-1"}
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"gross_margin", "weight_page_view"}
    workspace.refresh_from_db()
    assert workspace.engagement_weights["page_view"] == 1


def test_pages_ask_anonymous_visitors_to_log_in(client, workspace):
    for url in ["/", f"/w/{workspace.slug}/", f"/w/{workspace.slug}/members/", "/workspaces/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csrf_is_enforced_on_forms(agency_owner, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agency_owner)
    assert client.post(f"/w/{workspace.slug}/api-keys/", {"name": "x"}).status_code == 403


def test_changing_the_time_zone_redates_records_and_recomputes(
    member_client, workspace, django_capture_on_commit_callbacks
):
    from datetime import UTC, date, datetime

    from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS
    from accounts.tenancy import workspace_scope
    from campaigns.models import Lead
    from kpis.selectors import kpis_for_period
    from tests.data_factories import LeadFactory

    # 04:30 UTC on 6 January is still 5 January in New York.
    LeadFactory(workspace=workspace, external_id="l1", created_at=datetime(2026, 1, 6, 4, 30, tzinfo=UTC))
    data = {
        "name": workspace.name,
        "currency": "USD",
        "time_zone": "America/New_York",
        "gross_margin": "1",
        "engagement_window_days": 90,
        "half_life_days": 30,
        "mqa_threshold": "20",
        **{f"weight_{kind}": weight for kind, weight in DEFAULT_ENGAGEMENT_WEIGHTS.items()},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert member_client.post(f"/w/{workspace.slug}/settings/", data).status_code == 302
    workspace.refresh_from_db()
    with workspace_scope(workspace):
        assert Lead.objects.get().created_on == date(2026, 1, 5)
        assert kpis_for_period(workspace=workspace, first_day=date(2026, 1, 5), last_day=date(2026, 1, 5))["leads"] == 1
