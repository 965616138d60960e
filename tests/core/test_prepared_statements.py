"""On PostgreSQL a connection prepares the statements it runs again and again, so the server plans them once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from shopwright.stores.models import Store
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _is_about_the_handle(statement: str) -> bool:
    return 'SELECT "stores_store"."handle"' in statement and '"stores_store"."id" = $1' in statement


def test_a_statement_run_again_and_again_is_prepared_and_one_run_once_is_not(postgres) -> None:
    store = make_merchant().store
    threshold = settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold")
    if threshold is None:
        pytest.skip("prepared statements are off here (DATABASE_PREPARE_THRESHOLD=off)")

    def handle() -> str:
        return Store.objects.filter(pk=store.pk).values_list("handle", flat=True).get()

    assert handle() == store.handle
    assert not any(_is_about_the_handle(s) for s in _prepared_statements())

    for _ in range(threshold):
        assert handle() == store.handle  # bound on the server: the value comes back as it went in

    assert any(_is_about_the_handle(s) for s in _prepared_statements())
