"""Reads about a store's customers."""

from __future__ import annotations

from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.tokens import hash_secret_token
from shopwright.customers.models import Customer, CustomerApiToken
from shopwright.stores.models import Store


def customer_by_email(*, store: Store, email: str) -> Customer | None:
    return Customer.objects.filter(store=store, email_index__in=crypto.blind_index_candidates(email)).first()


def customer_get(*, store: Store, customer_id: int) -> Customer | None:
    return Customer.objects.filter(store=store, pk=customer_id, is_active=True).first()


def customer_for_api_token(*, store: Store, token: str) -> Customer | None:
    row = (
        CustomerApiToken.objects.select_related("customer")
        .filter(store=store, key_hash=hash_secret_token(token), expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.customer.is_active:
        return None
    return row.customer
