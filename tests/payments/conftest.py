"""Payments test data: a live store with an order waiting for payment, and the buyer's moves on the hosted page."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shopwright.catalog.models import Variant
from shopwright.core.links import store_url
from shopwright.orders.models import Order
from shopwright.payments.models import Payment, TestGatewayPayment
from shopwright.payments.services import payment_start
from shopwright.payments.testgateway import signing
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.checkout_factories import make_shipping, make_tax
from tests.factories import make_merchant
from tests.order_factories import place_order

PLATFORM_HOST = "localhost"
CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_3DS = "4000 0027 6000 3184"
# Every test card's digits, for the checks that none is ever stored, logged or shown.
CARD_DIGITS = ("4242424242424242", "4000000000000002", "4000002760003184", "4242 4242 4242 4242")


@pytest.fixture(autouse=True)
def _direct_delivery(settings):  # type: ignore[no-untyped-def]
    """The test client has no socket: the gateway hands its signed webhooks to the service in-process."""
    settings.TEST_GATEWAY_DELIVERY = "direct"


@dataclass
class Buyer:
    """A store, one order of it waiting for payment, and the secret of the buyer's order link."""

    store: Store
    order: Order
    token: str
    variant: Variant

    @property
    def return_url(self) -> str:
        return store_url(self.store, f"/orders/{self.token}/payment/")

    def start(self) -> Payment:
        return payment_start(store=self.store, order=self.order, return_url=self.return_url)

    def refresh(self) -> Order:
        self.order.refresh_from_db()
        return self.order


def make_buyer(store: Store | None = None, *, quantity: int = 2, price: str = "20.00") -> Buyer:
    store = store or make_merchant().store
    product = make_product(store, price=price, stock=10)
    variant = Variant.objects.get(store=store, product=product)
    placed = place_order(store, [(variant, quantity)])
    assert placed.token is not None
    return Buyer(store=store, order=placed.order, token=placed.token, variant=variant)


@pytest.fixture
def store(db) -> Store:  # type: ignore[no-untyped-def]
    """A live store that ships (zones and methods) and charges tax: ready for a checkout to be placed."""
    store = make_merchant().store
    make_shipping(store)
    make_tax(store)
    return store


@pytest.fixture
def buyer(db) -> Buyer:  # type: ignore[no-untyped-def]
    return make_buyer()


def gateway_row(payment: Payment) -> TestGatewayPayment:
    """The gateway's side of a payment (tests only: the store's code never reads it)."""
    return TestGatewayPayment.objects.get(pk=payment.reference)


def pay(
    client: Client,
    payment: Payment,
    *,
    number: str = CARD_OK,
    expiry: str = "12/39",
    cvc: str = "123",
    name: str = "Erika Mustermann",
) -> Any:
    """The buyer submits the hosted card form (on the platform host)."""
    return client.post(
        f"/testpay/{payment.reference}/",
        {"number": number, "expiry": expiry, "cvc": cvc, "name": name},
        HTTP_HOST=PLATFORM_HOST,
    )


def authenticate(client: Client, payment: Payment, outcome: str) -> Any:
    return client.post(f"/testpay/{payment.reference}/authenticate/", {"outcome": outcome}, HTTP_HOST=PLATFORM_HOST)


def signed_event(
    payment: Payment,
    *,
    event_type: str = "payment.succeeded",
    status: str = "succeeded",
    event_id: str | None = None,
    secret_store_id: int | None = None,
    timestamp: int | None = None,
    failure_code: str = "",
    reference: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A test-provider event about `payment`, signed as the gateway signs (with another store's secret if asked)."""
    body = json.dumps(
        {
            "id": event_id or f"evt_{payment.pk}_{event_type}_{time.monotonic_ns()}",
            "type": event_type,
            "created": int(time.time()),
            "data": {
                "id": reference or payment.reference,
                "object": "payment",
                "status": status,
                "amount": format(payment.amount, "f"),
                "currency": payment.currency,
                "card_brand": "visa" if status == "succeeded" else "",
                "card_last4": "4242" if status == "succeeded" else "",
                "failure_code": failure_code,
            },
        }
    ).encode()
    secret = signing.webhook_secret(secret_store_id or payment.store_id)
    header = signing.sign(body=body, secret=secret, timestamp=timestamp)
    return body, {signing.SIGNATURE_HEADER: header, "Content-Type": "application/json"}


def money(value: str) -> Decimal:
    return Decimal(value)


# Configuration reads that the per-store configuration cache serves (shipping zones and methods, tax
# rates, payment settings): counted by their own tests, left out of the statement budgets here, so that
# those say what placing, paying and the return page cost themselves, whether the configuration is cached.
_CONFIG_READ = re.compile(r'^\s*SELECT .*? FROM "?(shipping_|taxes_|payments_paymentsettings\b)', re.DOTALL)


def statements(queries: list[dict[str, Any]]) -> int:
    """How many of the captured statements are not configuration reads."""
    return sum(1 for query in queries if not _CONFIG_READ.match(query["sql"]))
