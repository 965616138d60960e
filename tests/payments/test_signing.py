"""The test provider's webhook signatures: per-store secrets, HMAC over "<t>.<body>", 5-minute tolerance."""

from __future__ import annotations

import pytest

from shopwright.payments.providers.base import WebhookRejected
from shopwright.payments.testgateway import signing

BODY = b'{"id": "evt_1", "type": "payment.succeeded"}'
NOW = 1_800_000_000


def test_a_fresh_signature_verifies() -> None:
    secret = signing.webhook_secret(7)
    header = signing.sign(body=BODY, secret=secret, timestamp=NOW)
    assert header.startswith(f"t={NOW},v1=")
    signing.verify(body=BODY, header=header, secret=secret, now=NOW + 299)
    signing.verify(body=BODY, header=header, secret=secret, now=NOW - 299)  # a clock a little behind


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_a_timestamp_beyond_five_minutes_is_rejected(skew: int) -> None:
    secret = signing.webhook_secret(7)
    header = signing.sign(body=BODY, secret=secret, timestamp=NOW)
    with pytest.raises(WebhookRejected, match="tolerance"):
        signing.verify(body=BODY, header=header, secret=secret, now=NOW + skew)


def test_each_store_has_its_own_secret_derived_from_the_secret_key(settings) -> None:
    assert signing.webhook_secret(7) != signing.webhook_secret(8)
    assert signing.webhook_secret(7) == signing.webhook_secret(7)
    header = signing.sign(body=BODY, secret=signing.webhook_secret(8), timestamp=NOW)
    with pytest.raises(WebhookRejected, match="does not match"):
        signing.verify(body=BODY, header=header, secret=signing.webhook_secret(7), now=NOW)
    before = signing.webhook_secret(7)
    settings.SECRET_KEY = "another-platform-secret"
    assert signing.webhook_secret(7) != before  # rotating SECRET_KEY rotates every store's secret


def test_a_changed_body_or_signature_is_rejected_and_a_second_valid_v1_is_accepted() -> None:
    secret = signing.webhook_secret(7)
    header = signing.sign(body=BODY, secret=secret, timestamp=NOW)
    with pytest.raises(WebhookRejected, match="does not match"):
        signing.verify(body=BODY + b" ", header=header, secret=secret, now=NOW)
    rotated = f"{header},v1={'0' * 64}"  # signed with an old and a new secret during a rotation
    signing.verify(body=BODY, header=rotated, secret=secret, now=NOW)
