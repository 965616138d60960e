"""The test provider's webhooks over real HTTP ("http" delivery, the default outside tests), on PostgreSQL.

pytest-django's live server answers on http://localhost:PORT; the store
lives at http://<handle>.localhost:PORT, which the gateway connects to at
127.0.0.1 with the store's Host header (not every resolver maps *.localhost).
"""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from shopwright.core.models import Email
from shopwright.orders.models import OrderStatus
from shopwright.payments.models import PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import services as gateway
from tests.payments.conftest import CARD_DECLINED, CARD_OK, make_buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def over_http(live_server, settings):  # type: ignore[no-untyped-def]
    settings.PLATFORM_URL = live_server.url
    settings.PLATFORM_DOMAIN = "localhost"
    settings.TEST_GATEWAY_DELIVERY = "http"
    return live_server


def test_outcomes_reach_the_store_by_signed_http_posts(postgres, over_http) -> None:
    buyer = make_buyer()
    payment = buyer.start()
    assert payment.redirect_url.startswith(over_http.url + "/testpay/")

    declined = gateway.card_check(number=CARD_DECLINED, expiry="12/39", cvc="123", name="E M")
    gateway.card_submit(payment_id=payment.reference, card=declined)  # commits: the event is POSTed at once
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")

    card = gateway.card_check(number=CARD_OK, expiry="12/39", cvc="123", name="E M")
    gateway.card_submit(payment_id=payment.reference, card=card)
    payment.refresh_from_db()
    assert (payment.status, payment.card_last4) == (PaymentStatus.SUCCEEDED, "4242")
    assert buyer.refresh().status == OrderStatus.PAID
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 2
    assert Email.objects.filter(kind="order_confirmation").count() == 1

    # The buyer comes back over HTTP to the store's return page and reads the outcome.
    with urllib.request.urlopen(
        urllib.request.Request(
            f"http://127.0.0.1:{over_http.url.rsplit(':', 1)[1]}/orders/{buyer.token}/payment/",
            headers={"Host": f"{buyer.store.handle}.localhost"},
        ),
        timeout=10,
    ) as response:
        page = response.read().decode()
    assert f"Thank you, order #{buyer.order.number} is confirmed" in page


def test_a_store_that_does_not_answer_makes_the_delivery_fail_for_a_retry(postgres, settings) -> None:
    settings.TEST_GATEWAY_DELIVERY = "http"
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PLATFORM_URL = f"http://localhost:{port}"
    buyer = make_buyer()
    payment = buyer.start()
    started = time.monotonic()
    with pytest.raises(gateway.DeliveryFailed):
        gateway.event_deliver(
            payment_id=payment.reference, event_id="evt_1", event_type=gateway.EVENT_SUCCEEDED, created=int(time.time())
        )
    assert time.monotonic() - started < 10
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
