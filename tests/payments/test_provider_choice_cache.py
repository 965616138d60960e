"""Which provider a store uses is cached per store (core.store_cache); its Stripe keys never are."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from shopwright.core.audit import Actor
from shopwright.payments import services
from shopwright.payments.models import PaymentSettings
from shopwright.payments.providers.registry import provider_for, provider_named
from shopwright.payments.providers.stripe_provider import StripeProvider
from shopwright.payments.providers.test_provider import TestProvider
from shopwright.stores.models import Store
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db

SECRET_KEY = "sk_test_51CacheCheck0000000000000000001"
WEBHOOK_SECRET = "whsec_cache_check_secret_0001"
Committed = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Committed:  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def store() -> Store:
    return make_merchant().store


def _switch(store: Store, provider: str, **keys: str) -> None:
    services.payment_settings_update(store=store, actor=Actor.system(), provider=provider, **keys)


def _cached_bytes() -> bytes:
    """Everything the (local-memory) cache holds, pickled as it stores it."""
    return b"".join(value for value in cache._cache.values())  # type: ignore[attr-defined]


def test_the_test_provider_is_chosen_without_a_query_once_cached(store, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert isinstance(provider_for(store), TestProvider)
    with django_assert_num_queries(0):
        assert isinstance(provider_for(store), TestProvider)
        assert isinstance(provider_named(store, "test"), TestProvider)


def test_switching_provider_is_followed_at_once_and_keys_stay_out_of_the_cache(
    store, committed, django_assert_num_queries
) -> None:
    assert isinstance(provider_for(store), TestProvider)
    with committed():
        _switch(store, "stripe", stripe_secret_key=SECRET_KEY, stripe_webhook_secret=WEBHOOK_SECRET)

    stripe = provider_for(store)
    assert isinstance(stripe, StripeProvider)
    assert (stripe._secret_key, stripe._webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)
    with django_assert_num_queries(1):  # the keys, from the database every time
        assert isinstance(provider_for(store), StripeProvider)
    cached = _cached_bytes()
    assert b"stripe" in cached  # the choice is cached ...
    assert SECRET_KEY.encode() not in cached and WEBHOOK_SECRET.encode() not in cached  # ... the keys are not
    # The row holds them (encrypted).
    assert PaymentSettings.objects.get(store=store).stripe_secret_key == SECRET_KEY

    with committed():
        _switch(store, "test")
    assert isinstance(provider_for(store), TestProvider)


def test_a_rolled_back_switch_changes_nothing(store, committed) -> None:
    assert isinstance(provider_for(store), TestProvider)
    with pytest.raises(RuntimeError), transaction.atomic():
        _switch(store, "stripe", stripe_secret_key=SECRET_KEY, stripe_webhook_secret=WEBHOOK_SECRET)
        assert isinstance(provider_for(store), StripeProvider)  # the switching transaction sees it
        raise RuntimeError
    assert isinstance(provider_for(store), TestProvider)


def test_one_stores_choice_is_never_another_stores(store, committed) -> None:
    other = make_merchant().store
    with committed():
        _switch(store, "stripe", stripe_secret_key=SECRET_KEY, stripe_webhook_secret=WEBHOOK_SECRET)
    for _ in range(2):
        assert isinstance(provider_for(store), StripeProvider)
        assert isinstance(provider_for(other), TestProvider)
