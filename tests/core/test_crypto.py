"""Encryption at rest, blind indexes and key rotation."""

import base64
import os

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.keyrotation import rotate_keys
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access
from shopwright.customers.models import Customer
from shopwright.customers.services import customer_authenticate
from tests.factories import PASSWORD, make_customer, make_merchant


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw_column(table: str, column: str, pk: int) -> str:
    with cross_store_access("the test reads the raw column"), connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_encryption_round_trips_and_is_not_deterministic():
    first, second = crypto.encrypt("jane@example.com"), crypto.encrypt("jane@example.com")
    assert first != second
    assert "jane" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "jane@example.com"


def test_a_sealed_value_names_its_key_and_any_change_to_it_is_refused(settings):
    token = crypto.encrypt("jane@example.com")
    raw = base64.b64decode(token, validate=True)
    assert raw[0] == 1 and raw[1:5] == crypto.data_keys()[0].key_id
    assert crypto.is_current(token)
    # Every byte is covered: a flipped bit anywhere is an error, never a different plaintext.
    for position in (0, 2, 7, 20, len(raw) - 1):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
            crypto.decrypt(base64.b64encode(bytes(tampered)).decode())
    for garbage in ("not base64 at all!", base64.b64encode(b"\x01short").decode()):
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(garbage)
        assert not crypto.is_current(garbage)
    # A key taken away before rotation finished: a clear error, as with every other unreadable value.
    settings.SHOPWRIGHT_DATA_KEYS = [new_key()]
    with pytest.raises(ImproperlyConfigured, match="was a key removed"):
        crypto.decrypt(token)
    assert not crypto.is_current(token)


def _fernet_token(secret: str, plaintext: str) -> str:
    """A value as the platform sealed it before GCM-SIV: a Fernet token under the secret's derived key."""
    derived = crypto._derive(secret, b"shopwright-field-encryption")
    return Fernet(base64.urlsafe_b64encode(derived)).encrypt(plaintext.encode()).decode()


def test_values_sealed_as_fernet_tokens_still_open_under_every_key_and_are_not_current(settings):
    old_key = settings.SHOPWRIGHT_DATA_KEYS[0]
    legacy = _fernet_token(old_key, "jane@example.com")
    assert legacy.startswith("gAAAA")
    assert crypto.decrypt(legacy) == "jane@example.com"
    assert not crypto.is_current(legacy)
    settings.SHOPWRIGHT_DATA_KEYS = [new_key(), old_key]
    assert crypto.decrypt(legacy) == "jane@example.com"
    resealed = crypto.reencrypt(legacy)
    assert crypto.is_current(resealed) and crypto.decrypt(resealed) == "jane@example.com"


def test_blind_index_ignores_case_and_spaces_but_not_content():
    assert crypto.blind_index(" Jane@Example.COM ") == crypto.blind_index("jane@example.com")
    assert crypto.blind_index("jane@example.com") != crypto.blind_index("june@example.com")


def test_blind_index_depends_on_the_key(settings):
    before = crypto.blind_index("jane@example.com")
    settings.SHOPWRIGHT_DATA_KEYS = [new_key()]
    assert crypto.blind_index("jane@example.com") != before


@pytest.mark.django_db
def test_personal_fields_are_stored_as_ciphertext():
    store = make_merchant().store
    customer = make_customer(store, email="cipher.check@example.com", name="Cipher Check")
    raw_email = raw_column("customers_customer", "email", customer.pk)
    assert "cipher.check" not in raw_email
    assert crypto.decrypt(raw_email) == "cipher.check@example.com"
    assert Customer.objects.filter(store=store, pk=customer.pk).get().name == "Cipher Check"


@pytest.mark.django_db
def test_key_rotation_re_encrypts_every_row_and_logins_keep_working(settings, capsys):
    old_key = settings.SHOPWRIGHT_DATA_KEYS[0]
    store = make_merchant().store
    customer = make_customer(store, email="rotate.me@example.com")
    entry = audit_record(action="test.rotation", actor=Actor.system(), store=store, ip="203.0.113.9")
    audit_ip_before = raw_column("core_auditentry", "ip_address", entry.pk)
    token_before = raw_column("customers_customer", "email", customer.pk)
    index_before = raw_column("customers_customer", "email_index", customer.pk)

    # A new key goes in front; the old one still decrypts until rotation ends.
    settings.SHOPWRIGHT_DATA_KEYS = [new_key(), old_key]
    assert Customer.objects.get(store=store, pk=customer.pk).email == "rotate.me@example.com"
    assert customer_authenticate(store=store, email="rotate.me@example.com", password=PASSWORD, ip="10.0.0.1")

    call_command("rotate_keys")
    assert "re-encrypted with the newest key" in capsys.readouterr().out
    token_after = raw_column("customers_customer", "email", customer.pk)
    assert token_after != token_before
    assert crypto.is_current(token_after)
    assert raw_column("customers_customer", "email_index", customer.pk) != index_before

    # The append-only audit log's IPs are re-encrypted too (past the PostgreSQL trigger).
    audit_ip_after = raw_column("core_auditentry", "ip_address", entry.pk)
    assert audit_ip_after != audit_ip_before and crypto.is_current(audit_ip_after)

    # With the old key gone, everything still decrypts and login still works.
    settings.SHOPWRIGHT_DATA_KEYS = settings.SHOPWRIGHT_DATA_KEYS[:1]
    assert Customer.objects.get(store=store, pk=customer.pk).email == "rotate.me@example.com"
    assert customer_authenticate(store=store, email="rotate.me@example.com", password=PASSWORD, ip="10.0.0.1")
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "203.0.113.9"

    # A second run has nothing left to do.
    assert rotate_keys().total == 0


@pytest.mark.django_db
def test_key_rotation_reseals_fernet_tokens_in_the_current_form(settings):
    store = make_merchant().store
    customer = make_customer(store, email="legacy@example.com", name="Legacy Name")
    legacy = _fernet_token(settings.SHOPWRIGHT_DATA_KEYS[0], "Legacy Name")
    with cross_store_access("the test writes a value as the platform sealed it before"), connection.cursor() as cursor:
        cursor.execute('UPDATE "customers_customer" SET "name" = %s WHERE id = %s', [legacy, customer.pk])
    assert Customer.objects.get(store=store, pk=customer.pk).name == "Legacy Name"

    assert rotate_keys().total >= 1
    resealed = raw_column("customers_customer", "name", customer.pk)
    assert not resealed.startswith("gAAAA") and crypto.is_current(resealed)
    assert Customer.objects.get(store=store, pk=customer.pk).name == "Legacy Name"
    assert rotate_keys().total == 0


@pytest.mark.django_db
def test_key_rotation_never_undoes_a_change_made_while_it_runs(settings, monkeypatch):
    old_key = settings.SHOPWRIGHT_DATA_KEYS[0]
    store = make_merchant().store
    customer = make_customer(store, email="busy@example.com", name="Old Name")
    settings.SHOPWRIGHT_DATA_KEYS = [new_key(), old_key]

    # The customer renames themself between rotation's read and its write.
    real_reencrypt = crypto.reencrypt
    edited = []

    def reencrypt_during_an_edit(token: str) -> str:
        if not edited and crypto.decrypt(token) == "busy@example.com":  # rotation has read the customer row
            Customer.objects.filter(store=store, pk=customer.pk).update(name="New Name")
            edited.append(True)
        return real_reencrypt(token)

    monkeypatch.setattr(crypto, "reencrypt", reencrypt_during_an_edit)
    rotate_keys()
    assert Customer.objects.get(store=store, pk=customer.pk).name == "New Name"

    # The skipped row is finished by the next run (the edit only re-encrypted the name).
    monkeypatch.setattr(crypto, "reencrypt", real_reencrypt)
    rotate_keys()
    assert crypto.is_current(raw_column("customers_customer", "email", customer.pk))
    assert Customer.objects.get(store=store, pk=customer.pk).name == "New Name"
