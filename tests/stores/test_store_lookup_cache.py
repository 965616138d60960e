"""Each process remembers which store a host names for a few seconds, and forgets at once when a store changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shopwright.stores import selectors
from shopwright.stores.models import Domain, Store
from tests.factories import host, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def remember_hosts(settings):
    settings.STORE_LOOKUP_CACHE_SECONDS = 5
    selectors.forget_host_lookups()
    yield
    selectors.forget_host_lookups()


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand."""
    now = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: now[0])
    return now


def test_a_store_page_needs_no_query_for_its_store_once_remembered(client, django_assert_num_queries):
    store = make_merchant(store_name="Quiet Shop").store
    with django_assert_num_queries(1):
        assert selectors.store_for_handle_cached(handle=store.handle).pk == store.pk
    with django_assert_num_queries(0):
        assert selectors.store_for_handle_cached(handle=store.handle.upper()).pk == store.pk
    assert b"Quiet Shop" in client.get("/", HTTP_HOST=host(store)).content


def test_each_lookup_answers_a_store_of_its_own_that_a_request_may_change(django_assert_num_queries):
    store = make_merchant(store_name="Own Copy Shop").store
    first = selectors.store_for_handle_cached(handle=store.handle)
    first.name = "Changed by one request"
    first._state.fields_cache["owner"] = "a related object one request loaded"
    with django_assert_num_queries(0):
        again = selectors.store_for_handle_cached(handle=store.handle)
    assert again is not first
    assert (again.pk, again.name, again.handle) == (store.pk, "Own Copy Shop", store.handle)
    assert "owner" not in again._state.fields_cache
    assert not again._state.adding and again._state.db == "default"
    # Still a whole store: it saves like one read from the database.
    again.name = "Own Copy Shop, renamed"
    again.save(update_fields=["name"])
    assert Store.objects.get(pk=store.pk).name == "Own Copy Shop, renamed"


def test_a_suspended_store_closes_at_once_in_the_process_that_saved_it(client, django_capture_on_commit_callbacks):
    store = make_merchant(store_name="Closing Shop").store
    assert client.get("/", HTTP_HOST=host(store)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        store.status = Store.Status.SUSPENDED
        store.save(update_fields=["status"])
    assert client.get("/", HTTP_HOST=host(store)).status_code == 404


def test_a_change_that_skips_signals_shows_when_the_memory_expires(client, clock):
    store = make_merchant(store_name="Bulk Shop").store
    assert client.get("/", HTTP_HOST=host(store)).status_code == 200
    Store.objects.filter(pk=store.pk).update(status=Store.Status.SUSPENDED)
    clock[0] += 4
    assert client.get("/", HTTP_HOST=host(store)).status_code == 200  # still remembered
    clock[0] += 2
    assert client.get("/", HTTP_HOST=host(store)).status_code == 404


def test_an_unknown_handle_is_remembered_until_a_store_takes_it(client, clock, django_capture_on_commit_callbacks):
    assert client.get("/", HTTP_HOST="late-shop.localhost").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        make_merchant(store_handle="late-shop", store_name="Late Shop")
    assert b"Late Shop" in client.get("/", HTTP_HOST="late-shop.localhost").content


def test_a_request_that_changes_its_store_does_not_change_the_next_request():
    store = make_merchant().store
    first = selectors.store_for_handle_cached(handle=store.handle)
    assert first is not None
    first.name = "Changed in memory only"
    again = selectors.store_for_handle_cached(handle=store.handle)
    assert again is not None and again.name == store.name


def test_a_removed_custom_domain_stops_routing(client, django_capture_on_commit_callbacks):
    store = make_merchant(store_name="Domain Shop").store
    with django_capture_on_commit_callbacks(execute=True):
        domain = Domain.objects.create(store=store, hostname="shop.example.org", verified_at=timezone.now())
    assert b"Domain Shop" in client.get("/", HTTP_HOST="shop.example.org").content
    with django_capture_on_commit_callbacks(execute=True):
        domain.delete()
    assert client.get("/", HTTP_HOST="shop.example.org").status_code == 400


def test_the_memory_is_bounded():
    lookups = selectors._HostLookups(max_entries=3)
    for i in range(5):
        lookups.put(f"handle:{i}", None, expires=10.0)
    assert [lookups.get(f"handle:{i}", now=0.0)[0] for i in range(5)] == [False, False, True, True, True]


def test_the_store_name_for_a_provider_page_or_an_email_is_remembered_and_a_rename_shows_at_once(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    store = make_merchant(store_name="Linen House").store
    with django_assert_num_queries(1):
        assert selectors.store_name_for_id(store_id=store.pk) == "Linen House"
    with django_assert_num_queries(0):
        assert selectors.store_name_for_id(store_id=store.pk) == "Linen House"
    with django_capture_on_commit_callbacks(execute=True):
        store.name = "Linen & Wool"
        store.save(update_fields=["name"])
    assert selectors.store_name_for_id(store_id=store.pk) == "Linen & Wool"
    assert selectors.store_name_for_id(store_id=store.pk + 1000) is None
