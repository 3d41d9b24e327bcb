"""The SSRF guard: which network addresses the monitor may fetch from.

A declaration (or a redirect, or a page's script) can point anywhere; without a guard the monitor
would fetch the router's admin page or the cloud metadata service and archive and publish it. So
only globally routable addresses are fetched, unless `[fetch] allow_private` lists the address (or
a network holding it) for intranet use. The check is made on the address actually connected to
(connections.py) and, for the browser, on every address a request's host resolves to: integer and
hex spellings of an IP ("2130706433", "0x7f000001") resolve like any name and are judged as what
they resolve to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# (no square brackets: the CLI prints messages through rich, which reads them as markup)
ALLOW_HINT = "list it in fetch.allow_private in clausewatch.toml to fetch it"


class AddressRefused(OSError):
    """A connection to an address the guard refuses (an OSError so urllib3 reports it as such)."""


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is refused by default ("loopback", "private", ...), None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:  # 169.254.169.254 and fe80::/10: where cloud metadata services answer
        return "link-local (cloud metadata)"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL:
        return "unique-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:  # shared (100.64/10, Alibaba's metadata), reserved, documentation ranges
        return "non-public"
    return None


_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def parse_allowed(entry: str) -> IPNetwork:
    """One allow-list entry: an address ("127.0.0.1", "::1") or a network ("10.0.0.0/8").

    Raises ValueError with a one-line message for anything else (a host name is not accepted:
    names can be re-pointed, addresses cannot).
    """
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from exc


@dataclass(frozen=True)
class AddressGuard:
    """Refuses non-public addresses except those inside `allowed`."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressGuard:
        return cls(tuple(parse_allowed(e) for e in entries))

    def refusal(self, address: str) -> str | None:
        """The reason `address` may not be fetched, or None when it may."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        kind = address_kind(ip)
        if kind is None:
            return None
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        if any(c in net for c in candidates for net in self.allowed if c.version == net.version):
            return None
        return f"{address} is a {kind} address; {ALLOW_HINT}"

    def check_address(self, host: str, address: str) -> None:
        """Raise AddressRefused when the connected `address` (of `host`) is refused."""
        why = self.refusal(address)
        if why is not None:
            shown = "" if host == address else f"{host} resolves to {address}: "
            raise AddressRefused(f"refused to connect: {shown}{why}")

    def check_host(self, host: str, port: int) -> None:
        """Resolve `host` and raise AddressRefused if any of its addresses is refused.

        Used before connecting, and for the browser's requests, whose connections cannot be
        inspected; a name that does not resolve is left to the fetch to report.
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        for info in infos:
            self.check_address(host, str(info[4][0]))
