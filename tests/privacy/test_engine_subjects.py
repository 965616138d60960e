"""The engine is driven by the data map: it names no model, and every owning link to a subject's row is followed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopwright.privacy import datamap
from shopwright.privacy.subjects import DataSubject, subject_graph
from tests.factories import make_merchant
from tests.privacy_factories import make_rich_customer

ENGINE = Path(__file__).resolve().parents[2] / "shopwright" / "privacy"


@pytest.mark.parametrize("name", ["subjects.py", "exports.py", "erasure.py", "residue.py"])
def test_the_engine_names_no_other_apps_model(name):
    source = (ENGINE / name).read_text()
    imports = re.findall(r"from shopwright\.(\w+)\.models import", source)
    assert set(imports) <= {"privacy", "core"}, imports  # core: TenantModel, the base of every tenant table
    for model in ("Customer", "Order", "Address", "Favourite", "Cart", "Payment", "AuditEntry", "Email"):
        assert not re.search(rf"\b{model}\b\.objects", source), model


@pytest.mark.django_db
def test_every_model_with_an_owning_link_to_a_found_model_is_reached(settings, tmp_path):
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")
    store = make_merchant().store
    customer, _facts = make_rich_customer(store)
    graph = subject_graph(DataSubject.for_customer(customer))
    found = {m for m, pks in graph.owned.items() if pks}
    # Every model the map links to the customer with an owning key and that has rows here is reached.
    for model, fk, entry in datamap.links_to(type(customer)):
        rows = model._base_manager.filter(**{fk.attname: customer.pk})
        if any(f.attname == "store_id" for f in model._meta.local_concrete_fields):
            rows = rows.filter(store_id=store.pk)
        if entry.owns_row and rows.exists():
            assert model in found, model
    labels = {m._meta.label_lower for m in found}
    assert {
        "customers.customer",
        "customers.address",
        "orders.order",
        "orders.orderline",
        "payments.payment",
        "storefront.favourite",
        "cart.cart",
        "cart.cartline",
        "privacy.consentrecord",
        "privacy.sessionlink",
        "core.email",
    } <= labels
    # Never forward into the store's catalog or the store itself.
    assert not labels & {"stores.store", "catalog.product", "catalog.variant"}
