"""HOST:PORT as settings give it (pure; the settings validator uses it too)."""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
FORM = "HOST:PORT, e.g. 127.0.0.1:2525, 0.0.0.0:25 or [::1]:2525"


def parse_host_port(value: str) -> tuple[str, int]:
    """``("127.0.0.1", 2525)`` from ``"127.0.0.1:2525"``; IPv6 hosts go in brackets."""
    text = value.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not port_text.isascii():
        raise ValueError(f"expected {FORM}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"the port must be 1-65535 ({FORM})")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        if not _is_ip(host, 6):
            raise ValueError(f"{host!r} is not an IPv6 address ({FORM})")
        return host, port
    if ":" in host:
        raise ValueError(f"put an IPv6 host in brackets ({FORM})")
    if not (_is_ip(host, 4) or _HOSTNAME.fullmatch(host)):
        raise ValueError(f"{host!r} is not a host name or address ({FORM})")
    return host, port


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False
