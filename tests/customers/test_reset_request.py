"""A password-reset request looks the same whether or not the address has an account."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.customers import tasks
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
