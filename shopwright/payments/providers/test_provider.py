"""The Shopwright side of the built-in test provider: speaks to its gateway as to any remote provider.

Only the gateway's API functions are called (create, retrieve, refund),
and their JSON-shaped answers mapped to the provider interface; the
gateway's tables are never read here. Events are verified with the store's
derived signing secret (testgateway/signing.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from shopwright.payments.models import PaymentStatus, RefundStatus
from shopwright.payments.providers.base import (
    PaymentRequest,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
    WebhookRejected,
    header_value,
)
from shopwright.payments.testgateway import services as gateway
from shopwright.payments.testgateway import signing

# The gateway's words for a payment's state, in Shopwright's.
_STATUS = {
    "open": PaymentStatus.CREATED,
    "requires_action": PaymentStatus.ACTION_REQUIRED,
    "succeeded": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED,
    "expired": PaymentStatus.CANCELLED,
    "canceled": PaymentStatus.CANCELLED,
}
_EVENT_TYPES = {
    gateway.EVENT_SUCCEEDED,
    gateway.EVENT_FAILED,
    gateway.EVENT_ACTION_REQUIRED,
    gateway.EVENT_REFUNDED,
}


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


class TestProvider:
    """The embedded default: no real money moves; the card form is the gateway's hosted page."""

    __test__ = False  # not a pytest test class, whatever its name says
    name = "test"
    display_name = "Shopwright test provider"
    # The gateway sends no receipts, so it is not given the buyer's email.
    sends_email = False

    def __init__(self, *, account: int):
        self.account = account

    @property
    def page_origin(self) -> str:
        """The platform host: the hosted page is served there, outside every store."""
        parts = urlsplit(settings.PLATFORM_URL)
        return f"{parts.scheme}://{parts.netloc}"

    def _call(self, endpoint: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = endpoint(account=self.account, **kwargs)
        except gateway.GatewayUnavailable as exc:
            raise ProviderError(f"test provider unreachable: {exc}") from None
        except gateway.GatewayError as exc:
            raise ProviderError(f"test provider refused: {exc.code}", retryable=False, code=exc.code) from None
        return result

    def _payment(self, data: Mapping[str, Any]) -> ProviderPayment:
        status = str(data.get("status"))
        return ProviderPayment(
            reference=str(data["id"]),
            status=_STATUS.get(status, PaymentStatus.CREATED),
            redirect_url=str(data.get("url") or ""),
            card_brand=str(data.get("card_brand") or ""),
            card_last4=str(data.get("card_last4") or ""),
            failure_code=status if status in ("expired", "canceled") else str(data.get("failure_code") or ""),
            amount=_decimal(data.get("amount")),
            currency=str(data.get("currency") or ""),
        )

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        data = self._call(
            gateway.create,
            params={
                "amount": format(request.amount, "f"),
                "currency": request.currency,
                "description": request.description,
                "return_url": request.return_url,
                "webhook_url": request.webhook_url,
                "idempotency_key": request.idempotency_key,
                "expires_at": int(request.expires_at.timestamp()) if request.expires_at else None,
            },
        )
        return self._payment(data)

    def fetch_payment(self, reference: str) -> ProviderPayment:
        return self._payment(self._call(gateway.retrieve, payment_id=reference))

    def cancel_payment(self, reference: str) -> ProviderPayment:
        return self._payment(self._call(gateway.cancel, payment_id=reference))

    def refund(
        self, *, reference: str, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ProviderRefund:
        data = self._call(gateway.refund, payment_id=reference, amount=amount, idempotency_key=idempotency_key)
        return self._refund(data)

    def fetch_refund(self, reference: str) -> ProviderRefund:
        return self._refund(self._call(gateway.retrieve_refund, refund_id=reference))

    def _refund(self, data: Mapping[str, Any]) -> ProviderRefund:
        return ProviderRefund(
            reference=str(data["id"]),
            status=RefundStatus.SUCCEEDED if data.get("status") == "succeeded" else RefundStatus.PENDING,
            amount=_decimal(data.get("amount")),
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        signing.verify(
            body=body,
            header=header_value(headers, signing.SIGNATURE_HEADER),
            secret=signing.webhook_secret(self.account),
        )
        try:
            event = json.loads(body)
            event_id, event_type, data = str(event["id"]), str(event["type"]), event["data"]
            if event_type not in _EVENT_TYPES:
                return ProviderEvent(event_id=event_id, event_type=event_type)
            payment = self._payment(data)
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("malformed event body") from None
        refund = None
        if event_type == gateway.EVENT_REFUNDED and isinstance(data.get("refund"), dict):
            refund = ProviderRefund(
                reference=str(data["refund"].get("id") or ""),
                status=RefundStatus.SUCCEEDED,
                amount=_decimal(data["refund"].get("amount")),
            )
        return ProviderEvent(event_id=event_id, event_type=event_type, payment=payment, refund=refund)
