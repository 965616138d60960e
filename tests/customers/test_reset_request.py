"""A password-reset request looks the same whether or not the address has an account, and is limited."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.core import crypto
from shopwright.core.models import AuditEntry
from shopwright.customers import services, tasks
from tests.factories import host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


def _request_reset(client, store, email, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as jobs:
        response = client.post("/account/password-reset/", {"email": email}, HTTP_HOST=host(store))
    return response, len(queries), jobs


def test_existing_and_unknown_addresses_get_the_same_answer_and_work(
    client, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    store = make_merchant().store
    customer = make_customer(store, email="known@example.com")
    queued = []
    real = tasks.customer_password_reset_send_task

    def record(*args):
        queued.append(args)
        return real(*args)

    monkeypatch.setattr(tasks, "customer_password_reset_send_task", record)

    known, known_queries, known_jobs = _request_reset(client, store, customer.email, django_capture_on_commit_callbacks)
    unknown, unknown_queries, unknown_jobs = _request_reset(
        client, store, "unknown@example.com", django_capture_on_commit_callbacks
    )
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert known_queries == unknown_queries  # the lookup happens later, in the job
    assert len(known_jobs) == len(unknown_jobs) == 1

    with django_capture_on_commit_callbacks(execute=True):  # the jobs run, and queue their mail
        for job in (*known_jobs, *unknown_jobs):
            job()
    assert [m.to for m in mailoutbox] == [["known@example.com"]]
    # The job store holds ids and ciphertext only.
    assert queued and all("@" not in str(arg) and "127.0.0.1" not in str(arg) for args in queued for arg in args)


# --- limits: one client cannot mail-bomb a store's customers ----------------------------


def test_reset_requests_from_one_address_stop_at_the_hourly_limit(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    store = make_merchant().store
    make_customer(store, email="known@example.com")
    limit = services.RESET_REQUESTS_PER_IP_PER_HOUR
    for n in range(limit):  # known and unknown addresses count alike
        email = "known@example.com" if n % 2 else f"unknown{n}@example.com"
        response, _, jobs = _request_reset(client, store, email, django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert len(jobs) == 1

    refused, _, jobs = _request_reset(client, store, "victim@example.com", django_capture_on_commit_callbacks)

    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    assert jobs == []  # nothing queued, so nothing will be mailed
    other = Client(HTTP_HOST=host(store), REMOTE_ADDR="203.0.113.81")
    with django_capture_on_commit_callbacks() as jobs:
        assert other.post("/account/password-reset/", {"email": "known@example.com"}).status_code == 200
    assert len(jobs) == 1


def test_one_address_gets_at_most_a_few_reset_emails_an_hour_whoever_asks(
    mailoutbox, django_capture_on_commit_callbacks
):
    store, other_store = make_merchant().store, make_merchant().store
    victim = make_customer(store, email="victim@example.com")
    make_customer(store, email="bystander@example.com")
    make_customer(other_store, email="victim@example.com")
    limit = services.RESET_EMAILS_PER_ADDRESS_PER_HOUR

    for n in range(limit + 3):  # from as many addresses, each under its own limit
        with django_capture_on_commit_callbacks(execute=True):
            services.customer_password_reset_request(store=store, email="Victim@Example.com", ip=f"10.8.0.{n}")

    assert [m.to for m in mailoutbox] == [["victim@example.com"]] * limit
    assert AuditEntry.objects.filter(action="customer.password_reset_request", store_id=store.pk).count() == limit
    # Past the limit the job gives up quietly (an error would make it retry).
    sealed = crypto.encrypt(victim.email), crypto.encrypt("10.8.0.99")
    assert (
        services.customer_password_reset_send(store_id=store.pk, sealed_email=sealed[0], sealed_ip=sealed[1]) is False
    )

    # Another address at this store, and the same address at another store, are not affected.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email="bystander@example.com", ip="10.8.1.1")
        services.customer_password_reset_request(store=other_store, email="victim@example.com", ip="10.8.1.1")
    assert sorted(m.to[0] for m in mailoutbox) == ["bystander@example.com", "victim@example.com"]
