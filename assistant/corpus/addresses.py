"""The SSRF guard: which addresses a link may reach.

A link given to ``add`` must not reach this machine's or its network's services (an
admin page on 127.0.0.1, a router, a cloud metadata endpoint on 169.254.169.254).
``checked_addresses`` resolves a host and refuses it when any of its addresses is
loopback, link-local, multicast, unspecified, reserved, private or otherwise not
public; the fetcher then connects to one of those addresses, not to the name again.
"""

from __future__ import annotations

import ipaddress
import socket

from ..errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address of a host name (or the address a literal names), in resolver order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise FetchError(f"the host name {host!r} cannot be resolved ({reason})") from error
    addresses: list[IPAddress] = []
    for info in infos:
        # A scope id ("fe80::1%eth0") is not part of the address.
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def checked_addresses(host: str, port: int, allow_private: bool) -> list[IPAddress]:
    """The host's addresses, every one public unless ``allow_private``.

    All must pass, not just the first: the connection may go to any of them.
    """
    addresses = resolve_host(host, port)
    if not addresses:
        raise FetchError(f"the host name {host!r} has no address")
    if allow_private:
        return addresses
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            shown = host if str(address) == host else f"{host} ({address})"
            raise FetchError(
                f"{shown} is {refusal}: links to loopback, private and other non-public "
                "addresses are refused (allow them with --allow-private-addresses)"
            )
    return addresses


def address_refusal(address: IPAddress) -> str:
    """What makes an address unfit for fetching ("a loopback address"); '' when it is public.

    An IPv6 address that carries an IPv4 one is judged by it: IPv4-mapped
    (``::ffff:127.0.0.1``), 6to4 (``2002:7f00:1::1`` is 127.0.0.1: a relay or the
    host's own 6to4 route delivers it there) and Teredo (``2001:0:...``, the client
    address in its last 32 bits, inverted).

    Example:
        >>> address_refusal(ipaddress.ip_address("2002:a9fe:a9fe::1"))
        'a link-local address (169.254.169.254, inside a 6to4 address)'
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            address = address.ipv4_mapped
        else:
            for inner, tunnel in _tunnelled(address):
                refusal = address_refusal(inner)
                if refusal:
                    return f"{refusal} ({inner}, inside a {tunnel} address)"
    # Most specific first: Python counts link-local and unspecified addresses as private too.
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            name = kind.replace("_", "-")
            return f"{'an' if name[0] in 'aeiou' else 'a'} {name} address"
    if not address.is_global:
        return "not a public address"
    return ""


def _tunnelled(address: ipaddress.IPv6Address) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses a 6to4 or Teredo address carries, with the tunnel's name."""
    if address.sixtofour is not None:
        return [(address.sixtofour, "6to4")]
    if address.teredo is not None:
        server, client = address.teredo
        # The client (the obfuscated last 32 bits) is where the packets end up; the
        # server is an address too, and a private one has no business there either.
        return [(client, "Teredo"), (server, "Teredo")]
    return []


def is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
