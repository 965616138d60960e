"""An erased buyer's kept order is never used to write to them again: no mail re-creates what erasure removed."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.core.models import Email
from shopwright.orders.models import OrderEvent, OrderEventKind
from shopwright.orders.services import order_fulfil
from shopwright.privacy import residue
from shopwright.privacy.erasure import subject_erase
from shopwright.privacy.subjects import DataSubject
from tests.factories import make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant

pytestmark = pytest.mark.django_db


def test_shipping_a_kept_order_after_erasure_sends_no_mail_and_leaves_no_residue():
    store = make_merchant().store
    customer = make_customer(store, email="gone.buyer@example.com", name="Gwendolyn Gonebuyer")
    order = make_paid_order(store, [(make_variant(store), 1)], customer=customer, email="gone.buyer@example.com")
    subject = DataSubject.for_customer(customer)
    identifiers = residue.subject_identifiers(subject)
    subject_erase(subject)
    order.refresh_from_db()
    assert order.subject_erased_at is not None
    mails_before = Email.objects.count()

    order_fulfil(store=store, order=order, actor=Actor.system(), carrier="DHL", tracking_number="JJD0001")

    assert Email.objects.count() == mails_before
    assert not OrderEvent.objects.filter(
        store=store, order=order, kind=OrderEventKind.EMAIL_SENT, created_at__gt=order.subject_erased_at
    ).exists()
    report = residue.residue_scan(identifiers)
    assert report["clean"], report["findings"]
