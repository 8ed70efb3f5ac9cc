"""Where webhooks may deliver: http(s) only, hosts allowed by DONDOC_WEBHOOK_ALLOWED_HOSTS, and
no private, loopback or link-local address unless that host is listed by name or address.
Checked when a webhook is registered and again, after DNS resolution, before each delivery."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    pass


def allowed_hosts(setting: str) -> list[str]:
    return [h.strip().lower() for h in setting.split(",") if h.strip()]


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("only http and https URLs are accepted")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not accepted")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname.lower(), port


async def check(url: str, setting: str) -> None:
    """Raise TargetRefused unless the URL may receive deliveries now."""
    _, host, port = split(url)
    listed = allowed_hosts(setting)
    if listed and not any(_matches(host, p) for p in listed):
        raise TargetRefused(f"host {host} is not in DONDOC_WEBHOOK_ALLOWED_HOSTS")
    explicitly = host in listed
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefused(f"host {host} does not resolve") from exc
    for info in infos:
        address = str(info[4][0])
        if _internal(address) and not (explicitly or address in listed):
            raise TargetRefused(f"host {host} resolves to the internal address {address}")
