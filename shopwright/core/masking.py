"""Partial display of personal data: `j***@example.com`, `138****5678`.

Used by templates (the `mask_*` filters in core_tags) and API schemas, so a
page or an answer shows a personal value in full only to its subject or to
someone who revealed it (and was audited for it).
"""

from __future__ import annotations

import ipaddress
import re

_EMAIL_RE = re.compile(r"^([^@\s]+)@([^@\s]+)$")


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    match = _EMAIL_RE.match(value.strip())
    if not match:
        return mask_text(value)
    local, domain = match.groups()
    return f"{local[0]}***@{domain}"


def mask_phone(value: str | None) -> str:
    """Keep a country-code-sized head and the last four digits."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return "*" * len(digits)
    head = digits[:3]
    tail = digits[-4:]
    prefix = "+" if value.strip().startswith("+") else ""
    return f"{prefix}{head}{'*' * (len(digits) - 7)}{tail}"


def mask_name(value: str | None) -> str:
    """`Jane Doe` -> `J*** D**`: the initials survive, the rest does not."""
    if not value:
        return ""
    return " ".join(part[0] + "*" * max(len(part) - 1, 2) for part in value.split())


def mask_text(value: str | None, keep: int = 1) -> str:
    if not value:
        return ""
    return value[:keep] + "*" * max(len(value) - keep, 3)


def mask_ip(value: str | None) -> str:
    """IPv4 keeps the first two octets; IPv6 the first 32 bits."""
    if not value:
        return ""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return mask_text(value)
    if ip.version == 4:
        a, b, _, _ = str(ip).split(".")
        return f"{a}.{b}.*.*"
    groups = ip.exploded.split(":")
    return ":".join(groups[:2]) + ":*"
