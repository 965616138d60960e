"""Store as tenant: host routing, the query guard and the index rule."""

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from shopwright.core.models import TenantModel
from shopwright.core.tenancy import CrossStoreQueryError, cross_store_access
from shopwright.customers.models import Customer
from shopwright.stores.models import Domain, Store
from tests.factories import host, make_customer, make_merchant


@pytest.mark.django_db
def test_guard_fails_a_query_on_a_tenant_table_without_store_filter():
    store = make_merchant().store
    make_customer(store)
    with pytest.raises(CrossStoreQueryError), transaction.atomic():
        list(Customer.objects.all())
    with pytest.raises(CrossStoreQueryError), transaction.atomic():
        Customer.objects.filter(is_active=True).update(is_active=False)
    # A store condition that does not bind every row is no filter at all.
    for leaky in (
        Customer.objects.filter(Q(store=store) | Q(is_active=True)),
        Customer.objects.filter(store__isnull=False),
        Customer.objects.filter(pk__in=Customer.objects.filter(store=store).values("pk")),
        Customer.objects.filter(store__in=Store.objects.all()),
        Customer.objects.filter(store_id=F("id")),
    ):
        with pytest.raises(CrossStoreQueryError), transaction.atomic():
            list(leaky)
    assert Customer.objects.filter(store=store).count() == 1
    assert list(Customer.objects.filter(Q(store=store) & (Q(is_active=True) | Q(name="x"))))
    assert list(Customer.objects.filter(store_id__in=[store.pk, store.pk + 1000]))
    with cross_store_access("operator report"):
        assert Customer.objects.count() == 1


def test_every_index_and_unique_constraint_of_a_tenant_table_starts_with_store():
    problems = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        opts = model._meta
        for field in opts.local_concrete_fields:
            if field.primary_key or field.name == "store":
                continue
            if field.unique or field.db_index:
                problems.append(f"{opts.label}.{field.name} has its own index")
        for index in opts.indexes:
            if not index.fields or index.fields[0] != "store":
                problems.append(f"{opts.label} index {index.name}")
        for constraint in opts.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and fields[0] != "store":
                problems.append(f"{opts.label} constraint {constraint.name}")
    assert problems == []


@pytest.mark.django_db
def test_hosts_route_to_the_platform_a_store_or_nowhere(client):
    store = make_merchant(store_name="Routing Shop").store
    assert b"Open a store" in client.get("/", HTTP_HOST="localhost").content
    assert b"Routing Shop" in client.get("/", HTTP_HOST=host(store)).content
    assert b"Routing Shop" in client.get("/", HTTP_HOST=host(store).upper() + ":8000").content
    assert client.get("/", HTTP_HOST="no-such-store.localhost").status_code == 404
    assert client.get("/", HTTP_HOST="evil.example.net").status_code == 400


@pytest.mark.django_db
def test_a_verified_custom_domain_routes_to_its_store(client):
    store = make_merchant(store_name="Custom Domain Shop").store
    domain = Domain.objects.create(store=store, hostname="shop.example.org")
    assert client.get("/", HTTP_HOST="shop.example.org").status_code == 400  # not verified yet
    domain.verified_at = timezone.now()
    domain.save(update_fields=["verified_at"])
    assert b"Custom Domain Shop" in client.get("/", HTTP_HOST="shop.example.org").content


@pytest.mark.django_db
def test_saving_and_reloading_a_row_stay_within_its_store():
    store = make_merchant().store
    customer = make_customer(store, name="Before Save")
    customer.name = "After Save"
    customer.save(update_fields=["name"])  # would fail the guard if the UPDATE lacked store_id
    customer.refresh_from_db()  # likewise for the SELECT
    assert customer.name == "After Save"

    other_store = make_merchant().store
    customer.store_id = other_store.pk  # a row pointed at another tenant cannot be written there
    customer.name = "Moved"
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        customer.save(update_fields=["name"])
    assert Customer.objects.get(store=store, pk=customer.pk).name == "After Save"


@pytest.mark.django_db
@pytest.mark.parametrize("bad_host", ["a\x00b.localhost", "shop\x00.example.com", "sp ace.localhost", "<x>.localhost"])
def test_a_malformed_host_is_a_400_not_a_server_error(client, bad_host):
    response = client.get("/", HTTP_HOST=bad_host)
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/merchant/me", "/office/"])
def test_a_forged_session_cookie_is_ignored(path):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abc\x00defghijkl"
    assert client.get(path, HTTP_HOST="localhost").status_code in (200, 302, 401)
    store = make_merchant().store
    assert client.get("/account/", HTTP_HOST=host(store)).status_code == 302
