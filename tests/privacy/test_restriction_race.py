"""Two requests that restrict processing at the same moment leave one open restriction, not two."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.privacy.consents import is_restricted, restriction_lift, restriction_start
from shopwright.privacy.models import ProcessingRestriction
from tests.concurrency import run_at_once
from tests.factories import make_customer, make_merchant


@pytest.mark.django_db(transaction=True)
def test_simultaneous_restrictions_leave_one_open_and_one_lift_ends_it(postgres):
    store = make_merchant().store
    customer = make_customer(store)

    outcomes = run_at_once(lambda n: restriction_start(customer=customer, actor=Actor.customer(customer)), runs=4)

    assert all(isinstance(result, ProcessingRestriction) for result in outcomes.values()), outcomes
    assert len({result.pk for result in outcomes.values()}) == 1  # type: ignore[union-attr]
    assert ProcessingRestriction.objects.filter(customer=customer, lifted_at__isnull=True).count() == 1
    restriction_lift(customer=customer, actor=Actor.customer(customer))
    assert not is_restricted(customer=customer)
