"""Operator accounts: `shopwright createsuperuser` and the Django admin at /operators/."""

from __future__ import annotations

import builtins
import getpass
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shopwright.core.models import AuditEntry
from shopwright.stores.models import User
from tests.factories import PASSWORD, make_merchant
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db

OPERATOR_PASSWORD = "granite-puffin-orchard"


def _raw_columns(user_id: int) -> tuple[str, str]:
    """What the database itself holds in the email columns (no field decryption)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, email_index FROM stores_user WHERE id = %s", [user_id])
        return cursor.fetchone()


def _admin_sign_in(email: str, password: str):
    browser = platform_client()
    response = browser.post(
        "/operators/login/?next=/operators/", {"username": email, "password": password, "next": "/operators/"}
    )
    return browser, response


def test_createsuperuser_makes_an_operator_who_signs_in_to_the_admin_with_the_email(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)
    out = io.StringIO()

    call_command("createsuperuser", interactive=False, email_index="Ops@Example.com", stdout=out)

    assert "Superuser created successfully." in out.getvalue()
    operator = User.objects.get()
    assert operator.email == "Ops@example.com"
    assert (operator.is_staff, operator.is_superuser) == (True, True)
    raw_email, raw_index = _raw_columns(operator.pk)
    assert re.fullmatch(r"[0-9a-f]{64}", raw_index), raw_index  # an HMAC, not the email
    assert "example.com" not in raw_email and "example.com" not in raw_index.lower()
    assert AuditEntry.objects.filter(action="operator.create", object_id=str(operator.pk)).count() == 1

    browser, response = _admin_sign_in("ops@example.com", OPERATOR_PASSWORD)  # any case of the email
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/operators/"
    page = browser.get("/operators/")
    assert page.status_code == 200
    assert "Site administration" in page.content.decode()


def test_a_second_operator_with_the_same_email_is_refused_cleanly(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)
    call_command("createsuperuser", interactive=False, email_index="ops@example.com", stdout=io.StringIO())

    with pytest.raises(CommandError) as exc:
        call_command("createsuperuser", interactive=False, email_index="OPS@example.com", stdout=io.StringIO())

    assert str(exc.value) == "Error: That email is already taken."
    assert User.objects.count() == 1


def test_createsuperuser_refuses_a_value_that_is_not_an_email(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)
    with pytest.raises(CommandError) as exc:
        call_command("createsuperuser", interactive=False, email_index="operator", stdout=io.StringIO())
    assert str(exc.value) == "Enter a valid email address."
    assert not User.objects.exists()


def test_createsuperuser_asks_for_the_email_by_that_name(monkeypatch) -> None:
    prompts: list[str] = []

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        return "ops@example.com"

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(builtins, "input", answer)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="Password: ": OPERATOR_PASSWORD)

    call_command("createsuperuser", stdin=Terminal(), stdout=io.StringIO(), stderr=io.StringIO())

    assert prompts == ["Email: "]
    _, response = _admin_sign_in("ops@example.com", OPERATOR_PASSWORD)
    assert response.status_code == 302


def test_a_merchant_is_not_let_into_the_operator_admin() -> None:
    merchant = make_merchant()
    _, response = _admin_sign_in(merchant.user.email, PASSWORD)
    assert response.status_code == 200  # the form again, with its error
    assert "staff account" in response.content.decode()
