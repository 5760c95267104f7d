"""Webhooks of alert rules: the signature, the SSRF guard and one POST.

Signature: HMAC-SHA256 with the rule's secret over "{timestamp}.{body}", sent as
`X-Pulse-Signature: v1=<hex>` with `X-Pulse-Timestamp: <unix seconds>`; a
receiver rejects a timestamp more than REPLAY_WINDOW away from its clock
(README, Alerts, has the recipe).

SSRF: a URL must be https to a host whose every address is public; the
connection goes to the address that was checked (no second DNS lookup that a
rebinding name could answer differently). ALERT_WEBHOOK_ALLOW_PRIVATE (tests,
local development) allows http and private or loopback addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

REPLAY_WINDOW = 300  # seconds
TIMEOUT = 5  # seconds, connect and read
SECRET_PREFIX = "whsec_"


class UnsafeUrl(ValueError):
    """A webhook URL the site will not call."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "{timestamp}.{body}" under `secret`."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "PulseKPI-Alerts/1",
        "X-Pulse-Timestamp": str(timestamp),
        "X-Pulse-Signature": f"v1={signature(secret, timestamp, body)}",
    }


def _allow_private() -> bool:
    return bool(getattr(settings, "ALERT_WEBHOOK_ALLOW_PRIVATE", False))


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve(url: str) -> Target:
    """The checked destination of `url`; UnsafeUrl with a reason a person can read."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"Not a valid URL: {error}.") from None
    allowed = ("https", "http") if _allow_private() else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl("The URL must start with https://.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeUrl("The URL must not hold a user name or password.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"The host name {parts.hostname} does not resolve.") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeUrl(f"The host name {parts.hostname} does not resolve.")
    if not _allow_private():
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise UnsafeUrl(f"{parts.hostname} resolves to a private address: webhooks go to public hosts only.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to the checked address of `url`; the response's status (UnsafeUrl, OSError on failure)."""
    target = resolve(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()
