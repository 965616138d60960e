"""A realistic data subject for privacy tests: a customer with a bit of everything the platform keeps.

`make_rich_customer(store)` returns (customer, facts). `facts` holds the
identifiers (plain values) a test looks for afterwards, and the ids of what
was made. Orders are placed and paid through the real services (their
events, payments and confirmation emails are real), one is shipped; the
customer signs in through the storefront so a session and its link exist.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.db import transaction
from django.test import Client

from shopwright.core.audit import Actor
from shopwright.customers import addresses, services
from shopwright.customers.models import Customer
from shopwright.orders.models import Order
from shopwright.orders.services import order_fulfil
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord, SharingRecord
from shopwright.storefront import services as storefront_services
from shopwright.stores.models import Store
from tests.checkout_factories import address
from tests.customers.helpers import jpeg_with_gps, upload
from tests.factories import PASSWORD, host, make_customer
from tests.order_factories import make_paid_order, make_variant

_seq = itertools.count(1)


@dataclass
class RichFacts:
    email: str
    name: str
    real_name: str
    nickname: str
    phone: str
    street: str
    guest_street: str
    avatar: str = ""
    order_ids: list[int] = field(default_factory=list)
    guest_order_id: int = 0
    address_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    client: Client | None = None

    @property
    def texts(self) -> list[str]:
        """Plain values that must not be found anywhere after an erasure."""
        return [self.email, self.name, self.real_name, self.nickname, self.street, self.guest_street]


def make_rich_customer(store: Store, *, sign_in: bool = True) -> tuple[Customer, RichFacts]:
    n = next(_seq)
    facts = RichFacts(
        email=f"rich.subject{n}@example.org",
        name=f"Zephyrine Quarrington{n}",
        real_name=f"Zephyrine Q. Quarrington{n}",
        nickname=f"zeph{n}quarry",
        phone="+49 30 5550123",
        street=f"Quarrystraße {n}7",
        guest_street=f"Zephyrweg {n}3",
    )
    customer = make_customer(store, email=facts.email, name=facts.name)
    services.customer_profile_update(customer=customer, data={"real_name": facts.real_name, "nickname": facts.nickname})
    with transaction.atomic():
        services.customer_avatar_set(customer=customer, upload=upload("me.jpg", jpeg_with_gps()))
    customer.refresh_from_db()
    facts.avatar = customer.avatar

    home = addresses.address_create(
        store=store,
        customer=customer,
        data={**address(name=facts.real_name, street_address=facts.street), "phone": facts.phone},
        make_default=True,
    )
    facts.address_ids.append(home.pk)

    variant = make_variant(store, stock=50)
    shipped = make_paid_order(
        store,
        [(variant, 1)],
        customer=customer,
        email=facts.email,
        phone=facts.phone,
        shipping_address=address(name=facts.real_name, street_address=facts.street),
    )
    with transaction.atomic():
        order_fulfil(store=store, order=shipped, actor=Actor.system(), carrier="DHL", tracking_number=f"JJD00{n}4455")
    second = make_paid_order(
        store,
        [(variant, 2)],
        customer=customer,
        email=facts.email,
        phone=facts.phone,
        shipping_address=address(name=facts.real_name, street_address=facts.street),
    )
    # Placed before the account existed, as a guest with the same address: found by the email's index.
    guest = make_paid_order(
        store,
        [(variant, 1)],
        email=facts.email,
        phone=facts.phone,
        shipping_address=address(name=facts.name, street_address=facts.guest_street),
    )
    facts.order_ids = [shipped.pk, second.pk]
    facts.guest_order_id = guest.pk
    SharingRecord.objects.create(
        store=store, recipient="DHL", purpose="delivery", categories=["address"], order=shipped, customer=customer
    )

    favourite = make_variant(store, stock=5)
    storefront_services.favourite_add(
        store=store, actor=Actor.customer(customer), customer=customer, product_id=favourite.product_id
    )
    facts.product_ids.append(favourite.product_id)

    for purpose, granted in (
        (ConsentPurpose.MARKETING_EMAIL, True),
        (ConsentPurpose.COOKIES_ANALYTICS, True),
        (ConsentPurpose.MARKETING_EMAIL, False),
    ):
        ConsentRecord.objects.create(
            store=store,
            customer=customer,
            purpose=purpose,
            granted=granted,
            channel=ConsentChannel.ACCOUNT,
            evidence="Send me news.",
        )

    if sign_in:
        client = Client(HTTP_HOST=host(store))
        response = client.post("/account/login/", {"email": facts.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        facts.client = client
    # The cart: something left in it after the orders.
    from shopwright.cart.models import Cart, CartLine

    cart, _ = Cart.objects.get_or_create(store=store, customer=customer)
    CartLine.objects.get_or_create(store=store, cart=cart, variant=favourite, defaults={"quantity": 1})
    return customer, facts


def order_of(store: Store, pk: int) -> Order:
    return Order.objects.get(store=store, pk=pk)
