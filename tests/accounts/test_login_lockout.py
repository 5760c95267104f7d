"""Login lockout (issue 14, item 1 and 2): per normalised account and per client address, independently;
a success never clears another account's failures; the client address behind a trusted proxy."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

LIMIT = django_settings.AXES_FAILURE_LIMIT  # LOGIN_FAILURE_LIMIT, 10 by default
ATTACKER = "203.0.113.66"
PROXY = "10.0.0.5"


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@example.com")


@pytest.fixture
def attacker_account(db):
    return UserFactory(email="mallory@example.com")


def _login(client: Client, email: str, password: str = "not-the-password"):
    return client.post("/login/", {"username": email, "password": password})


def _direct(address: str, **headers: str) -> Client:
    """A browser that reaches the site itself (no proxy in between)."""
    return Client(REMOTE_ADDR=address, **headers)


def _through_proxy(address: str, forwarded_for: str | None = None) -> Client:
    """A browser at `address` behind the TLS terminator, which appends its peer to X-Forwarded-For."""
    header = address if forwarded_for is None else f"{forwarded_for}, {address}"
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)


# Item 1 (a): the attacker's own successful login must not clear the victim's failures.


def test_a_success_for_another_account_does_not_clear_the_victims_failures(victim, attacker_account):
    attacker = _direct(ATTACKER)
    statuses = []
    for _round in range(4):  # 36 wrong guesses, each 9 followed by a login to the attacker's own account
        statuses += [_login(attacker, victim.email).status_code for _ in range(LIMIT - 1)]
        _login(attacker, attacker_account.email, PASSWORD)
        attacker.post("/logout/")
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)
    assert set(statuses[LIMIT - 1 :]) == {429}  # locked from the 10th guess on
    assert _login(attacker, victim.email, PASSWORD).status_code == 429
    # The account is locked whatever the address (the attacker's 9 + 1 failures were on it).
    assert _login(_direct("198.51.100.20"), victim.email, PASSWORD).status_code == 429


def test_the_owners_success_does_not_clear_an_attackers_failures_elsewhere(victim):
    attacker = _direct(ATTACKER)
    assert [_login(attacker, victim.email).status_code for _ in range(LIMIT - 1)] == [200] * (LIMIT - 1)
    owner = _direct("198.51.100.20")
    assert _login(owner, victim.email, PASSWORD).status_code == 302
    owner.post("/logout/")
    # The owner's login forgives only the owner's own failures: the attacker's 9 still count.
    assert _login(attacker, victim.email).status_code == 429


def test_the_owners_success_forgives_their_own_typos(victim):
    typist = _direct("198.51.100.20")
    for _ in range(LIMIT - 1):
        _login(typist, victim.email)
    assert _login(typist, victim.email, PASSWORD).status_code == 302
    typist.post("/logout/")
    assert [_login(typist, victim.email).status_code for _ in range(LIMIT - 1)] == [200] * (LIMIT - 1)
    assert _login(typist, victim.email, PASSWORD).status_code == 302


# Item 1 (b): the account is the same whatever the case the address is typed in.

VARIANTS = ["victim@example.com", "Victim@example.com", "VICTIM@EXAMPLE.COM", "victim@Example.Com"]


def test_case_variants_of_the_email_share_one_account_lockout(victim):
    # Each variant from its own address (the per-address lock is not what stops this attacker).
    statuses = []
    for n, variant in enumerate(VARIANTS):
        client = _direct(f"203.0.113.{10 + n}")
        statuses += [_login(client, variant).status_code for _ in range(LIMIT - 1)]
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)
    assert set(statuses[LIMIT - 1 :]) == {429}
    for n, variant in enumerate(VARIANTS):
        assert _login(_direct(f"198.51.100.{30 + n}"), variant, PASSWORD).status_code == 429


def test_unicode_case_variants_the_database_may_match_share_the_lockout(victim):
    """Python's re matches ı and ſ as i and s under IGNORECASE (Django's email validator accepts
    them) and PostgreSQL's upper() maps them to I and S: they must not start a fresh count."""
    for n in range(LIMIT):
        _login(_direct(f"203.0.113.{10 + n}"), "vıctım@example.com" if n % 2 else "victim@example.com")
    assert _login(_direct("198.51.100.30"), victim.email, PASSWORD).status_code == 429


# Item 2: the client address, behind the trusted proxy and without one.


def test_behind_the_proxy_one_attacker_does_not_lock_everyone_out(settings, victim):
    settings.TRUSTED_PROXIES = [PROXY]
    attacker = _through_proxy(ATTACKER)
    statuses = [_login(attacker, f"made-up-{n}@example.com").status_code for n in range(LIMIT + 1)]
    assert statuses == [200] * (LIMIT - 1) + [429, 429]  # the attacker's address is locked
    assert _login(_through_proxy("198.51.100.20"), victim.email, PASSWORD).status_code == 302


def test_behind_the_proxy_a_forged_forwarded_for_does_not_change_the_address(settings, victim):
    settings.TRUSTED_PROXIES = [PROXY]
    for n in range(LIMIT):
        # The attacker sends its own X-Forwarded-For; the proxy appends the address it saw.
        _login(_through_proxy(ATTACKER, forwarded_for=f"192.0.2.{n}"), f"made-up-{n}@example.com")
    assert _login(_through_proxy(ATTACKER, forwarded_for="192.0.2.200"), victim.email, PASSWORD).status_code == 429
    assert _login(_through_proxy("198.51.100.20"), victim.email, PASSWORD).status_code == 302


def test_a_direct_client_cannot_pick_its_address_with_forwarded_for(settings, victim):
    settings.TRUSTED_PROXIES = [PROXY]
    for n in range(LIMIT):
        _login(_direct(ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), f"made-up-{n}@example.com")
    spoofing = _direct(ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert _login(spoofing, victim.email, PASSWORD).status_code == 429
    # Nor can it pin its failures on somebody else's address.
    assert _login(_direct("192.0.2.3"), victim.email, PASSWORD).status_code == 302


def test_without_a_trusted_proxy_forwarded_for_is_ignored(settings, victim):
    settings.TRUSTED_PROXIES = []
    for n in range(LIMIT):
        _login(_through_proxy(f"192.0.2.{n}"), f"made-up-{n}@example.com")
    # Every request came from PROXY's address, which is all the site can know without TRUSTED_PROXIES.
    assert _login(_through_proxy("198.51.100.20"), victim.email, PASSWORD).status_code == 429
    assert _login(_direct("198.51.100.21"), victim.email, PASSWORD).status_code == 302


def test_an_address_that_grows_when_case_folded_is_still_counted(db):
    """ß folds to ss: a 250-character address may fold to more than the 255 the lockout's record holds."""
    label = "ß" * 60
    email = f"me@{label}.{label}.{label}.{label}.com"
    assert len(email) <= 254
    client = _direct(ATTACKER)
    assert [_login(client, email).status_code for _ in range(LIMIT)] == [200] * (LIMIT - 1) + [429]
