"""Races on PostgreSQL (real concurrent transactions): two signups for one store address,
two uses of one staff invitation link."""

from __future__ import annotations

import threading

import pytest

from shopwright.core import crypto
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access
from shopwright.stores import selectors, services
from shopwright.stores.models import Membership, Role, Store, User
from tests.concurrency import run_at_once
from tests.factories import make_merchant, signup_data
from tests.stores.helpers import HANDLE_TAKEN, STAFF_PASSWORD, link_path


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
    outcomes = run_at_once(
        lambda n: services.merchant_signup(**signup_data(email=f"racer{n}@example.com", store_handle="race-shop"))
    )

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


def _invitation_link(*, store, inviter, email: str, role: str, mailoutbox) -> str:  # type: ignore[no-untyped-def]
    """Invite `email` and return the token of the emailed link (sent on commit: these tests autocommit)."""
    services.staff_invite(store=store, inviter=inviter, email=email, role=role)
    return link_path(mailoutbox[-1], "/office/invitations/").removeprefix("/office/invitations/").rstrip("/")


def _race(monkeypatch, work) -> dict[int, object]:  # type: ignore[no-untyped-def]
    """Run `work(n)` in two threads that both pass the link check before either writes.

    Each thread waits at a barrier the first time it parses the invitation
    link (the step before it reads the invitation), so both requests are in
    flight together, as with a double click or two browser tabs.
    """
    barrier = threading.Barrier(2, timeout=10)
    seen = threading.local()
    real_hash = services.hash_secret_token

    def hash_after_both_arrived(secret: str) -> str:
        digest = real_hash(secret)
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait()
        return digest

    monkeypatch.setattr(services, "hash_secret_token", hash_after_both_arrived)
    return run_at_once(work)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_of_one_invitation_join_once(postgres, monkeypatch, mailoutbox) -> None:
    owner = make_merchant()  # verified: only a verified account may invite
    invitee = services.merchant_signup(**signup_data(email="sam@example.com")).user
    token = _invitation_link(
        store=owner.store, inviter=owner.user, email="sam@example.com", role=Role.ADMIN, mailoutbox=mailoutbox
    )

    outcomes = _race(monkeypatch, lambda n: services.staff_invitation_accept(token=token, user=invitee))

    winners = [o for o in outcomes.values() if isinstance(o, Membership)]
    losers = [o for o in outcomes.values() if not isinstance(o, Membership)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ApplicationError), outcomes
    assert losers[0].code == "invalid_token"
    with cross_store_access("counting every membership and join"):
        assert Membership.objects.filter(store=owner.store, user=invitee).count() == 1
        assert AuditEntry.objects.filter(action="staff.join").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_account_creations_from_one_link_make_one_account(postgres, monkeypatch, mailoutbox) -> None:
    owner = make_merchant()  # verified: only a verified account may invite
    token = _invitation_link(
        store=owner.store, inviter=owner.user, email="new.hire@example.com", role=Role.STAFF, mailoutbox=mailoutbox
    )

    outcomes = _race(
        monkeypatch,
        lambda n: services.staff_account_create(token=token, full_name=f"New Hire{n}", password=STAFF_PASSWORD),
    )

    winners = [o for o in outcomes.values() if isinstance(o, Membership)]
    losers = [o for o in outcomes.values() if not isinstance(o, Membership)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ApplicationError), outcomes  # a message, not a 500
    assert User.objects.filter(email_index__in=crypto.blind_index_candidates("new.hire@example.com")).count() == 1
    with cross_store_access("counting every membership"):
        assert Membership.objects.filter(store=owner.store).count() == 2  # the owner and the new hire
