"""Signatures of the test provider's webhooks, made the way real providers make theirs.

Header: `Shopwright-Test-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

Each store has its own signing secret, derived from the platform's
SECRET_KEY and the store's id (HMAC-SHA256 with a fixed label), so nothing
has to be stored or configured, one store's secret never verifies another
store's events, and rotating SECRET_KEY rotates every store's secret.
The gateway signs with it; the store's webhook endpoint (through the test
provider adapter) verifies with it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

from shopwright.payments.providers.base import WebhookRejected

SIGNATURE_HEADER = "Shopwright-Test-Signature"
# How old (or how far in the future) a signed timestamp may be: a captured
# event cannot be replayed later than this.
TOLERANCE_SECONDS = 300
_LABEL = b"shopwright-test-provider-webhook-secret:"


def webhook_secret(store_id: int) -> str:
    """The signing secret of one store's test-provider events (derived, never stored)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), _LABEL + str(store_id).encode(), hashlib.sha256).hexdigest()
    return f"whsec_test_{digest}"


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(*, body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for `body` at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


def verify(*, body: bytes, header: str | None, secret: str, now: float | None = None) -> None:
    """Check a signature header; raises WebhookRejected with a reason that is safe to log.

    Several v1 values are accepted (a provider rotating its secret signs
    with both); the timestamp must lie within TOLERANCE_SECONDS of now.
    """
    if not header:
        raise WebhookRejected("missing signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookRejected("malformed signature timestamp") from None
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookRejected("malformed signature header")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookRejected("signature does not match")
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected("timestamp outside the tolerance")
