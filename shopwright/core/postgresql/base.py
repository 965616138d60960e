"""Django's PostgreSQL backend with a health check that asks the socket before it asks the server.

A persistent connection (`CONN_MAX_AGE`) may have been closed by the server
since the last request: a restart, `pg_terminate_backend()`, an idle timeout
of the server or of a pooler. Django's health check (`CONN_HEALTH_CHECKS`)
finds out with a `SELECT 1` before the first query of every request and of
every job: one round trip each time, 60 µs of the web process's CPU and some
of the server's (docs/BENCHMARKS.md, "seventh look"), nine times per checkout.

A server that ends a connection says so on the socket: it sends its FATAL
error, then closes (FIN), or the network stack answers with a reset. Either
way the idle connection's socket becomes readable. Nothing else makes an
idle connection readable here: nothing LISTENs, and every reply to our own
statements has been read before the connection went idle. So the check
below polls the socket without waiting:
  - quiet, and the connection idle and OK on the client side: usable, no
    statement sent;
  - anything else (readable, hung up, in a transaction, marked bad): Django's
    own check runs, a `SELECT 1` that fails on a dead connection, which is
    then closed and opened again by the query that follows.

What neither check catches is a peer that vanished without a word (a cable
pulled between two hosts): `SELECT 1` would then wait for TCP to give up,
as the request's own query would. TCP keepalives (libpq's `keepalives_*`
options) are the remedy for that, with either check.

Errors during a request still close the connection at its end as Django
does (`close_if_unusable_or_obsolete` runs the full `is_usable`).
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base as postgresql
from psycopg import pq

# Every condition the kernel can report on a socket the server closed or reset.
_ANY_NEWS = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


def socket_is_quiet(connection: psycopg.Connection[Any]) -> bool:
    """Whether a psycopg connection looks alive without asking the server.

    True only for a connection the client believes is open and idle, whose
    socket has nothing to read and no hang-up or error pending.
    """
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, _ANY_NEWS)
    return not poller.poll(0)


class DatabaseWrapper(postgresql.DatabaseWrapper):
    """Django's PostgreSQL connection with the socket-first health check (module docstring)."""

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled  # type: ignore[attr-defined]  # Django's, not in the stubs
            and not self.health_check_done  # type: ignore[has-type]
            and not self.pool
            and socket_is_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
