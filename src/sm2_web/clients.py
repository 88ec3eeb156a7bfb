"""Who is calling: the client's address, for throttling.

The socket's peer is the client, unless that peer is a proxy listed in SM2_TRUSTED_PROXIES: then
``X-Forwarded-For`` is read from the right (each proxy appends the address it was called from),
skipping trusted proxies, and the first hop that is not one is the client. Hops a client wrote
itself sit further left and are never reached, so nobody picks their own address by sending
the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from litestar.connection import ASGIConnection

Address = IPv4Address | IPv6Address
#: Throttling an IPv6 client by its /64: one subscriber commonly holds a whole /64.
_IPV6_PREFIX = 64


def client_address(connection: ASGIConnection[Any, Any, Any, Any], trusted: tuple[str, ...]) -> str:
    """The client's address as text; ``trusted`` as ``WebConfig.trusted_proxies`` holds them."""
    client = connection.scope.get("client")
    peer = _address(client[0]) if client else None
    if peer is None:
        return "unknown"
    proxies = _networks(trusted)
    if not _is_trusted(peer, proxies):
        return str(peer)
    hops = [
        hop
        for value in connection.headers.getall("x-forwarded-for", [])
        for hop in value.split(",")
    ]
    found = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a hop no proxy would write: believe nothing further left
        found = address
        if not _is_trusted(address, proxies):
            break
    return str(found)


def throttle_key(address: str) -> str:
    """What failed attempts are counted against: the address, or an IPv6 address's /64."""
    parsed = _address(address)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((parsed, _IPV6_PREFIX), strict=False))
    return str(parsed) if parsed is not None else address


def _address(value: str) -> Address | None:
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@cache
def _networks(trusted: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(network) for network in trusted)


def _is_trusted(address: Address, trusted: Sequence[IPv4Network | IPv6Network]) -> bool:
    return any(address in network for network in trusted)
