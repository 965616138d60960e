"""Two merchants saving zones at once, on PostgreSQL (real concurrent transactions).

Without the store's row lock both would pass the "is this area taken?"
check before either writes, and one country would end up in two zones.
"""

from __future__ import annotations

import time

import pytest

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.shipping import services
from shopwright.shipping.models import ShippingZone
from tests.concurrency import run_at_once
from tests.factories import make_merchant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_zones_claiming_one_country_at_once(postgres, monkeypatch) -> None:
    store = make_merchant().store
    real = services._clean_zone

    def checked_then_slow(**kwargs):  # type: ignore[no-untyped-def]
        result = real(**kwargs)
        time.sleep(0.3)  # the other request runs its check now, unless it waits for the lock
        return result

    monkeypatch.setattr(services, "_clean_zone", checked_then_slow)

    outcomes = run_at_once(
        lambda n: services.shipping_zone_create(
            store=store, actor=Actor.system(), name=f"Zone {n}", areas=["DE", f"F{'RI'[n - 1]}"]
        )
    )

    made = [o for o in outcomes.values() if isinstance(o, ShippingZone)]
    refused = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert refused[0].fields["areas"] == [
        f"Germany (DE) is already in the zone “{made[0].name}”: a country or region belongs to one zone only."
    ]
    assert [z.areas for z in ShippingZone.objects.filter(store=store)] == [made[0].areas]
