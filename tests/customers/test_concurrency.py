"""Two uses of one password reset link at once, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest

from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import AuditEntry
from shopwright.customers import services
from shopwright.customers.models import Customer
from shopwright.stores.services import merchant_signup
from tests.concurrency import run_at_once
from tests.factories import ADULT, PASSWORD, signup_data
from tests.stores.helpers import link_path


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_resets_with_one_link_set_one_password(postgres, monkeypatch, mailoutbox) -> None:
    store = merchant_signup(**signup_data()).store
    customer = services.customer_register(
        store=store, email="robin@example.com", name="Robin Buyer", password=PASSWORD, date_of_birth=ADULT
    )
    services.customer_password_reset_request(store=store, email=customer.email)
    token = link_path(mailoutbox[-1], "/account/password-reset/").split("/")[3]

    barrier = threading.Barrier(2, timeout=10)
    real_make_password = services.make_password

    def hash_when_both_checked_the_link(raw: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Both requests have read the link as valid before either writes.
        barrier.wait()
        return real_make_password(raw, *args, **kwargs)

    monkeypatch.setattr(services, "make_password", hash_when_both_checked_the_link)
    passwords = {1: "tangerine-lighthouse-violin", 2: "saffron-glacier-teapot"}
    outcomes = run_at_once(
        lambda n: services.customer_password_reset_confirm(store=store, token=token, new_password=passwords[n])
    )

    winners = [n for n, o in outcomes.items() if isinstance(o, Customer)]
    losers = [o for o in outcomes.values() if not isinstance(o, Customer)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ApplicationError), outcomes
    assert losers[0].code == "invalid_token"
    monkeypatch.setattr(services, "make_password", real_make_password)
    signed_in = services.customer_authenticate(
        store=store, email=customer.email, password=passwords[winners[0]], ip="10.4.0.1"
    )
    assert signed_in.pk == customer.pk
    assert AuditEntry.objects.filter(action="customer.password_reset", store_id=store.pk).count() == 1
