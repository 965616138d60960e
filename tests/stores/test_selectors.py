"""Reads about platform users and stores (shopwright.stores.selectors)."""

from __future__ import annotations

import pytest

from shopwright.core.exceptions import AuthenticationFailed
from shopwright.core.models import AuditEntry
from shopwright.stores import selectors, services
from shopwright.stores.models import Role
from tests.factories import PASSWORD, make_merchant
from tests.stores.helpers import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return make_merchant(store_handle="kitchen")


@pytest.mark.parametrize("handle", ["kitchen", "KITCHEN", "Kitchen"])
def test_a_store_is_found_by_its_handle_in_any_case(merchant, handle: str) -> None:
    assert selectors.store_for_handle(handle=handle) == merchant.store


@pytest.mark.parametrize(
    "handle",
    [
        "\u212aitchen",  # KELVIN SIGN: lower-cases to an ASCII "k", but spells no handle
        "kitchen\x00",
        "kit\x00chen",
        "kitchen.evil",
        "kitchen ",
        "",
        "k" * 64,
    ],
    ids=["kelvin-sign", "trailing-nul", "inner-nul", "dot", "space", "empty", "too-long"],
)
def test_a_value_that_cannot_be_a_handle_names_no_store(merchant, handle: str) -> None:
    assert selectors.store_for_handle(handle=handle) is None


def test_stores_owned_by_lists_the_owners_stores_not_those_it_works_at(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    second = services.store_create(owner=merchant.user, name="Second", handle="second-shop")
    other = make_merchant()
    add_member(
        store=other.store,
        owner=other.user,
        role=Role.ADMIN,
        email="helper@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    helper = selectors.user_by_email(email="helper@example.com")

    assert selectors.stores_owned_by(user=merchant.user) == [merchant.store, second]
    assert selectors.stores_owned_by(user=helper) == []


def test_account_activity_holds_the_users_own_events_newest_first(merchant) -> None:
    other = make_merchant()
    for who in (merchant, other):
        with pytest.raises(AuthenticationFailed):
            services.merchant_authenticate(email=who.user.email, password="not-the-password", ip="10.3.0.1")
    services.merchant_authenticate(email=merchant.user.email, password=PASSWORD, ip="10.3.0.2")

    entries = selectors.account_activity(user=merchant.user)

    assert [e.action for e in entries] == [
        "login.succeeded",
        "login.failed",
        "store.live",
        "merchant.email_verified",
        "store.create",
        "merchant.signup",
    ]
    mine = {str(merchant.user.pk)}
    assert all(e.actor_id == merchant.user.pk or e.object_id in mine for e in entries)
    assert AuditEntry.objects.filter(action="login.failed", object_id=str(other.user.pk)).exists()


def test_account_activity_keeps_to_its_limit(merchant) -> None:
    for _ in range(3):
        services.merchant_authenticate(email=merchant.user.email, password=PASSWORD, ip="10.3.0.2")
    assert len(selectors.account_activity(user=merchant.user, limit=2)) == 2
