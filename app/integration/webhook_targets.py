"""Where webhooks may deliver: http(s) only, hosts allowed by DONDOC_WEBHOOK_ALLOWED_HOSTS, and
only globally routable addresses unless that host is listed by name or address. Checked when a
webhook is registered and again, after DNS resolution, before each delivery — and the delivery
connects to the very address that was checked (`pin`), so that a name answering differently the
second time (DNS rebinding) cannot lead it anywhere else."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx


class TargetRefused(ValueError):
    pass


def allowed_hosts(setting: str) -> list[str]:
    return [h.strip().lower() for h in setting.split(",") if h.strip()]


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


# Not routable on the internet, though Python's `is_global` says otherwise.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "fec0::/10",  # site-local (deprecated)
        "64:ff9b:1::/48",  # NAT64 for local use
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, 6to4, NAT64 and Teredo forms."""
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def internal(address: str) -> bool:
    """True unless the address, and every IPv4 address it wraps, is globally routable."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or any(ip in net for net in _NOT_GLOBAL):
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        return any(internal(str(inner)) for inner in _embedded(ip))
    return False


def split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("only http and https URLs are accepted")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not accepted")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port beyond 65535, or not a number
        raise TargetRefused("the URL's port is not a valid port number") from exc
    return parts.scheme, parts.hostname.lower(), port


async def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    return await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)


async def check(url: str, setting: str) -> list[str]:
    """Raise TargetRefused unless the URL may receive deliveries now; return the addresses
    its host resolves to, every one of them checked."""
    _, host, port = split(url)
    listed = allowed_hosts(setting)
    if listed and not any(_matches(host, p) for p in listed):
        raise TargetRefused(f"host {host} is not in DONDOC_WEBHOOK_ALLOWED_HOSTS")
    explicitly = host in listed
    try:
        infos = await resolve(host, port)
    except socket.gaierror as exc:
        raise TargetRefused(f"host {host} does not resolve") from exc
    addresses = []
    for info in infos:
        address = str(info[4][0])
        if internal(address) and not (explicitly or address in listed):
            raise TargetRefused(f"host {host} resolves to the internal address {address}")
        addresses.append(address)
    if not addresses:
        raise TargetRefused(f"host {host} does not resolve")
    return addresses


def pin(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by `address`, the Host header that names the original
    host, and (for https) the TLS server name to present and verify: a request that goes
    exactly where the check looked."""
    original = httpx.URL(url)
    pinned = original.copy_with(host=address)
    extensions = {"sni_hostname": original.host} if original.scheme == "https" else {}
    return str(pinned), {"host": original.netloc.decode("ascii")}, extensions
