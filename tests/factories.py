"""Test data made through the real services, so tests start from states users can reach."""

from __future__ import annotations

import itertools

from django.db import transaction

from shopwright.core import crypto
from shopwright.core.tokens import make_token
from shopwright.customers.models import Customer
from shopwright.customers.services import customer_register
from shopwright.stores.models import Store, User
from shopwright.stores.services import SignupResult, merchant_signup, user_verify_email

PASSWORD = "violet-harbour-lantern"
# A date of birth of an adult: stores ask for one at registration by default (the age gate, privacy.children).
ADULT = "1990-04-12"
_seq = itertools.count(1)


def signup_data(**overrides: str) -> dict[str, str]:
    n = next(_seq)
    data = {
        "email": f"merchant{n}@example.com",
        "password": PASSWORD,
        "full_name": f"Merchant Number{n}",
        "phone": "+44 20 7946 0958",
        "country": "GB",
        "industry": "home",
        "business_scale": "small",
        "store_name": f"Shop {n}",
        "store_handle": f"shop-{n}",
    }
    data.update(overrides)
    return data


def make_merchant(*, verified: bool = True, **overrides: str) -> SignupResult:
    """A merchant with one store; live when `verified`."""
    with transaction.atomic():
        result = merchant_signup(**signup_data(**overrides))
    if verified:
        user_verify_email(token=verification_token(result.user))
        result.store.refresh_from_db()
        result.user.refresh_from_db()
    return result


def verification_token(user: User) -> str:
    """The token of the link the verification email carries (bound to the normalised address)."""
    return make_token(purpose="verify-email", subject_id=user.pk, state=crypto.normalise(user.email))


def make_customer(store: Store, **overrides: str) -> Customer:
    n = next(_seq)
    data = {
        "email": f"customer{n}@example.com",
        "name": f"Customer Number{n}",
        "password": PASSWORD,
        "date_of_birth": ADULT,
    }
    data.update(overrides)
    return customer_register(store=store, **data)


def host(store: Store) -> str:
    return f"{store.handle}.localhost"
