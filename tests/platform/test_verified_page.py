"""The page the emailed verification link opens: the stores it put live."""

from __future__ import annotations

import re

import pytest

from shopwright.stores import services
from shopwright.stores.models import Membership, Role, Store
from tests.factories import make_merchant, verification_token
from tests.stores.helpers import invitation_token, platform_client

pytestmark = pytest.mark.django_db


def test_the_verified_page_lists_the_stores_the_merchant_owns_not_those_it_works_at(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    lee = make_merchant(verified=False, store_name="Lamp Shop", email="lee@example.com")
    # A second pending store, as unverified accounts could open before they were limited to one.
    second = Store.objects.create(owner=lee.user, handle="second-lamps", name="Second Lamps")
    Membership.objects.create(store=second, user=lee.user, role=Role.OWNER)
    other = make_merchant(store_name="Someone Else")
    token = invitation_token(
        store=other.store,
        inviter=other.user,
        email="lee@example.com",
        role=Role.ADMIN,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    services.staff_invitation_accept(token=token, user=lee.user)

    response = platform_client().get(f"/verify-email/{verification_token(lee.user)}/")

    assert response.status_code == 200
    listed = re.findall(r"<strong>(.*?)</strong> is live", response.content.decode())
    assert listed == ["Lamp Shop", "Second Lamps"]


def test_a_suspended_store_is_not_announced_as_live() -> None:
    from shopwright.stores.models import User

    ann = make_merchant(store_name="Suspended Goods")
    Store.objects.filter(pk=ann.store.pk).update(status=Store.Status.SUSPENDED)
    page = platform_client().get(f"/verify-email/{verification_token(ann.user)}/").content.decode()
    assert "Suspended Goods</strong> is live" not in page
    assert "is suspended" in page

    # Natural keys (dumpdata --natural-primary) round-trip without naming the email.
    key = ann.user.natural_key()[0]
    assert "@" not in key
    assert User.objects.get_by_natural_key(key) == ann.user
    assert User.objects.get_by_natural_key(ann.user.email.upper()) == ann.user
