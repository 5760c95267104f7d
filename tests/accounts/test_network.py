"""The client address behind trusted proxies (issue 14, item 2): accounts/network.py."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.network import client_address
from tests.test_settings import run_manage

PROXY = "10.0.0.5"


def _address(remote_addr: str | None, forwarded_for: str | None = None) -> str | None:
    meta = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    request = RequestFactory().get("/", **meta)
    if remote_addr is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote_addr
    return client_address(request)


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "client"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "192.0.2.1", "203.0.113.9"),  # a direct client's header is its own word: ignored
        (PROXY, "192.0.2.1", PROXY),  # no proxy is trusted: nor is this one
    ],
)
def test_without_trusted_proxies_the_peer_is_the_client(settings, remote_addr, forwarded_for, client):
    settings.TRUSTED_PROXIES = []
    assert _address(remote_addr, forwarded_for) == client


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "client"),
    [
        (PROXY, "203.0.113.9", "203.0.113.9"),
        (PROXY, "192.0.2.1, 198.51.100.2, 203.0.113.9", "203.0.113.9"),  # the right-most untrusted entry
        (PROXY, "not-an-address, 203.0.113.9", "203.0.113.9"),
        (PROXY, " 203.0.113.9 , 10.0.0.7", "203.0.113.9"),  # a second trusted hop, inside the network
        (PROXY, None, PROXY),  # the proxy's own request (a health check)
        (PROXY, "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # trusted all the way: the farthest hop known
        (PROXY, "203.0.113.9, garbage", PROXY),  # not what a proxy of ours writes: nothing left of it counts
        (PROXY, "203.0.113.9:51234", "203.0.113.9"),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (PROXY, "2001:db8::7", "2001:db8::7"),
        ("::ffff:10.0.0.5", "203.0.113.9", "203.0.113.9"),  # the proxy seen through a dual-stack socket
        ("203.0.113.66", "192.0.2.1", "203.0.113.66"),  # not from a trusted proxy: the header is ignored
        ("10.1.2.3", "192.0.2.1", "10.1.2.3"),  # an address near the proxy's is not the proxy
    ],
)
def test_behind_a_trusted_proxy_forwarded_for_is_read_from_the_right(settings, remote_addr, forwarded_for, client):
    settings.TRUSTED_PROXIES = [PROXY, "10.0.0.7/32", "10.0.0.8"]
    assert _address(remote_addr, forwarded_for) == client


def test_trusted_proxies_may_be_networks(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert _address("10.9.8.7", "192.0.2.1, 203.0.113.9, 10.1.1.1") == "203.0.113.9"
    assert _address("fd00::1", "2001:db8::7, fd12::3") == "2001:db8::7"


def test_an_unknown_peer_has_no_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert _address(None, "203.0.113.9") is None
    assert _address("", "203.0.113.9") is None


def test_an_invalid_trusted_proxy_is_refused_at_startup():
    result = run_manage(
        "check", env={"DJANGO_SETTINGS_MODULE": "config.settings.local", "TRUSTED_PROXIES": "proxy.lan"}
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.lan' does not appear to be an IPv4 or IPv6 network" in result.stderr
