"""Two signups racing for one store address, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shopwright.core.exceptions import ApplicationError
from shopwright.core.tenancy import cross_store_access
from shopwright.stores import selectors, services
from shopwright.stores.models import Membership, Store, User
from tests.factories import signup_data
from tests.stores.helpers import HANDLE_TAKEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_signups_for_one_handle_create_one_store(postgres, monkeypatch) -> None:
    barrier = threading.Barrier(2, timeout=10)
    seen = threading.local()
    real_handle_is_taken = selectors.handle_is_taken

    def handle_is_taken_after_both_checked(*, handle: str) -> bool:
        # The first check in each thread: both signups pass it before either inserts.
        if not getattr(seen, "checked", False):
            seen.checked = True
            barrier.wait()
            return False
        return real_handle_is_taken(handle=handle)

    monkeypatch.setattr(selectors, "handle_is_taken", handle_is_taken_after_both_checked)
    outcomes: dict[int, object] = {}

    def sign_up(n: int) -> None:
        try:
            outcomes[n] = services.merchant_signup(
                **signup_data(email=f"racer{n}@example.com", store_handle="race-shop")
            )
        except ApplicationError as exc:
            outcomes[n] = exc
        except Exception as exc:
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    winners = [o for o in outcomes.values() if not isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], ApplicationError), repr(errors[0])
    assert errors[0].fields == {"store_handle": [HANDLE_TAKEN]}

    assert list(Store.objects.filter(handle="race-shop").values_list("owner_id", flat=True)) == [winners[0].user.pk]
    # The loser's account was rolled back with its store.
    assert User.objects.count() == 1
    with cross_store_access("counting every membership"):
        assert Membership.objects.count() == 1
