"""PostgreSQL: a reused connection is checked by polling its socket; a dead one is replaced before it is used."""

from __future__ import annotations

import select
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from shopwright.core.postgresql.base import socket_is_quiet

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection(postgres) -> Iterator[BaseDatabaseWrapper]:
    """A second connection to the test database, as a web or job process holds one between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    assert wrapper.health_check_enabled, "settings turn Django's health check on for PostgreSQL"
    yield wrapper
    wrapper.close()


def _backend_pid(wrapper: BaseDatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _count_full_checks(wrapper: BaseDatabaseWrapper, monkeypatch) -> list[bool]:
    """Calls of Django's own check (the SELECT 1), recorded with what it answered."""
    calls: list[bool] = []
    full_check = wrapper.is_usable

    def spied() -> bool:
        calls.append(full_check())
        return calls[-1]

    monkeypatch.setattr(wrapper, "is_usable", spied)
    return calls


def _next_request_starts(wrapper: BaseDatabaseWrapper) -> None:
    # What Django does at the start of a request (and huey's db_task before a job) for a kept connection.
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()


def test_an_idle_healthy_connection_is_reused_without_a_statement(own_connection, monkeypatch) -> None:
    pid = _backend_pid(own_connection)
    full_checks = _count_full_checks(own_connection, monkeypatch)

    _next_request_starts(own_connection)

    assert full_checks == []  # no SELECT 1 went to the server
    assert own_connection.health_check_done
    assert _backend_pid(own_connection) == pid  # the same session, kept


def test_a_connection_the_server_ended_is_replaced_before_the_next_query(own_connection, monkeypatch) -> None:
    pid = _backend_pid(own_connection)
    with connection.cursor() as cursor:  # as an operator's pg_terminate_backend, a restart or an idle timeout
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's FATAL message and its close reach the socket a moment later.
    poller = select.poll()
    poller.register(own_connection.connection.pgconn.socket, select.POLLIN | select.POLLHUP)
    assert poller.poll(5000), "the server's close never reached the socket"
    full_checks = _count_full_checks(own_connection, monkeypatch)

    _next_request_starts(own_connection)

    assert full_checks == [False]  # the socket had news: Django's own check ran, and failed
    assert own_connection.connection is None  # closed, so the next query opens a new one
    assert _backend_pid(own_connection) != pid


def test_a_connection_inside_a_transaction_is_not_vouched_for(own_connection) -> None:
    raw = own_connection.connection
    assert socket_is_quiet(raw)
    own_connection.set_autocommit(False)
    try:
        with own_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert not socket_is_quiet(raw)  # a request never starts like this; if one did, the full check runs
    finally:
        own_connection.rollback()
        own_connection.set_autocommit(True)
    assert socket_is_quiet(raw)
