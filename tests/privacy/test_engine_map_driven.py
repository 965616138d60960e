"""The engine follows the data map: a table added later is exported and erased with no engine code,
and every link the walk follows is backed by an index, so its cost follows the subject's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.db import connection, models

from shopwright.core.fields import EncryptedTextField
from shopwright.core.models import TenantModel
from shopwright.customers.models import Customer
from shopwright.privacy import datamap
from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Retention, Subject, personal
from shopwright.privacy.erasure import subject_erase
from shopwright.privacy.exports import subject_data
from shopwright.privacy.residue import residue_scan, subject_identifiers
from shopwright.privacy.subjects import DataSubject
from tests.factories import make_customer, make_merchant

LABEL = "privacy.LoyaltyCard"


def _loyalty_card_model() -> type[models.Model]:
    """A table "added later" by some future app: a loyalty card that names its holder."""

    class LoyaltyCard(TenantModel):
        customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
        holder_name = EncryptedTextField()
        points = models.PositiveIntegerField(default=0)

        class Meta:
            app_label = "privacy"
            db_table = "privacy_test_loyaltycard"

    return LoyaltyCard


@pytest.fixture
def loyalty_card() -> Iterator[type[models.Model]]:
    model = _loyalty_card_model()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    holder = {"subject": Subject.CUSTOMER, "retention": Retention.ACCOUNT, "erasure": Erasure.DELETE}
    datamap.register(
        LABEL,
        {
            "id": NOT_PERSONAL,
            "store": NOT_PERSONAL,
            "customer": personal(Category.LINK, **holder),  # type: ignore[arg-type]
            "holder_name": personal(Category.IDENTITY, **holder),  # type: ignore[arg-type]
            "points": NOT_PERSONAL,
        },
        export_as="loyalty_cards",
    )
    try:
        yield model
    finally:
        datamap.unregister(LABEL)
        with connection.schema_editor() as editor:
            editor.delete_model(model)
        del apps.all_models["privacy"]["loyaltycard"]
        apps.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_a_table_added_later_is_exported_and_erased_from_its_data_map_entry_alone(loyalty_card, settings, tmp_path):
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")
    store = make_merchant().store
    customer = make_customer(store, email="loyal.holder@example.com", name="Loyal Holder")
    other = make_customer(store, email="someone.else@example.com")
    loyalty_card.objects.create(store=store, customer=customer, holder_name="Quenby Loyalcard", points=120)
    loyalty_card.objects.create(store=store, customer=other, holder_name="Other Holder", points=5)
    subject = DataSubject.for_customer(customer)

    exported = subject_data(subject)
    assert [row["holder_name"] for row in exported["loyalty_cards"]] == ["Quenby Loyalcard"]

    identifiers = subject_identifiers(subject)
    subject_erase(subject)

    remaining = loyalty_card.objects.filter(store=store)
    assert list(remaining.values_list("holder_name", flat=True)) == ["Other Holder"]
    report = residue_scan(identifiers)
    assert report["clean"], report["findings"]


def _indexed_prefixes(model: type[models.Model]) -> set[tuple[str, ...]]:
    """Column lists an index or unique constraint of the model starts with (a lookup on them uses it)."""
    prefixes: set[tuple[str, ...]] = set()
    opts = model._meta
    for field in opts.local_concrete_fields:
        if field.db_index or field.unique or field.primary_key:
            prefixes.add((field.column,))
    groups = [list(index.fields) for index in opts.indexes]
    groups += [list(c.fields) for c in opts.constraints if isinstance(c, models.UniqueConstraint) and c.fields]
    groups += [list(names) for names in opts.unique_together]
    for names in groups:
        columns = tuple(opts.get_field(name.lstrip("-")).column for name in names)
        prefixes.update(columns[:n] for n in range(1, len(columns) + 1))
    return prefixes


def test_every_link_a_customers_walk_follows_is_backed_by_an_index():
    # A customer's walk starts at its account row and the store's email-indexed tables and follows
    # links back from any table whose rows can be the subject's own (subjects.py); each lookup must
    # use an index on (key) or (store, key). (A merchant's walk crosses stores, where tenant tables
    # only have (store, key) indexes: see docs/PRIVACY.md, "Limits".)
    reached = {Customer} | {
        m for m in datamap.mapped_models() if issubclass(m, TenantModel) and datamap.email_indexes(m)
    }
    frontier, missing = set(reached), []
    while frontier:
        target = frontier.pop()
        for model, fk, entry in datamap.links_to(target):
            prefixes = _indexed_prefixes(model)
            tenant = any(f.attname == "store_id" for f in model._meta.local_concrete_fields)
            wanted = {(fk.column,)} | ({("store_id", fk.column)} if tenant else set())
            if not prefixes & wanted:
                missing.append(f"{model._meta.label}.{fk.name}")
            if entry.owns_row and model not in reached:
                reached.add(model)
                frontier.add(model)
    assert sorted(set(missing)) == [], sorted(set(missing))


@pytest.mark.django_db
def test_the_residue_scan_finds_an_identifier_copied_into_a_plain_column():
    """Encrypted columns are skipped (only ciphertext), so a plain copy anywhere else must still be found."""
    from tests.catalog_factories import make_product

    store = make_merchant().store
    customer = make_customer(store, email="copied.value+x@example.com", name="Philippa O'Copied-Name")
    identifiers = subject_identifiers(DataSubject.for_customer(customer))
    make_product(store, title="Gift for PHILIPPA O'COPIED-NAME", seo_description="ask copied.value+x@example.com")
    customer.delete()

    report = residue_scan(identifiers)
    places = {(f["where"], f["column"]) for f in report["findings"]}
    assert ("table catalog_product", "title") in places
    assert ("table catalog_product", "seo_description") in places
    assert not any(column in {"email", "name"} for _where, column in places)  # ciphertext columns are not read


@pytest.mark.django_db
def test_texts_rendered_from_other_values_are_not_identifiers_the_values_are():
    """An email's subject and body are not looked for whole; the name and address in them are."""
    from shopwright.core.emails import email_queue

    store = make_merchant().store
    customer = make_customer(store, email="rendered.one@example.com", name="Rowena Rendered")
    mail = email_queue(
        kind="customer_password_reset",
        to=customer.email,
        store=store,
        context={"name": customer.name, "reset_url": "http://x.localhost/account/password-reset/t/"},
    )
    texts = subject_identifiers(DataSubject.for_customer(customer))["texts"]
    assert "Rowena Rendered" in texts and "rendered.one@example.com" in texts
    assert mail.subject not in texts and mail.body_text.strip() not in texts
