"""The client's address, as far as the site can know it, behind its own reverse proxies.

REMOTE_ADDR is the peer of the web process: behind a TLS terminator or load
balancer that is the proxy, the same for every client. Each proxy appends the
address it received the request from to X-Forwarded-For, so the header is read
from the right, and only while the hop that wrote an entry is one of
TRUSTED_PROXIES: the first address that is not a trusted proxy is the client.
Whatever lies left of it was written by the client and may be anything; a
request that did not come from a trusted proxy keeps its peer address whatever
it says. Every reader of a client address (the login lockout) goes through here.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that sent `request` (see the module); None if the peer's is unknown."""
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    if address is None:
        return None
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if _trusted(address, networks):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            forwarded = parse_address(hop)
            if forwarded is None:
                break  # not an address a proxy of ours writes: the client's own text, stop at the last hop
            address = forwarded
            if not _trusted(address, networks):
                break
    return str(address)


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES' addresses and networks (10.0.0.5, 10.0.0.0/8, fd00::/8); ValueError for any other."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def parse_address(text: str) -> IPAddress | None:
    """The IP address `text` holds, with a port or IPv6 brackets tolerated; None if it holds none.

    An IPv4 address mapped into IPv6 (a dual-stack socket's ::ffff:203.0.113.9) is the IPv4 address.
    """
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 203.0.113.9:443
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)
