"""Collections (catalog.services.collection_*): fields, rules, the featured one, hand-picked products."""

from __future__ import annotations

import pytest

from shopwright.catalog import services
from shopwright.catalog.inputs import CollectionInput, CollectionRule
from shopwright.catalog.models import Collection, CollectionProduct, Product
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


def create(store, actor, **fields):
    return services.collection_create(store=store, actor=actor, data=CollectionInput(**{"title": "Summer", **fields}))


def refused(store, actor, **fields) -> dict[str, list[str]]:
    before = Collection.objects.filter(store=store).count()
    with pytest.raises(ApplicationError) as info:
        create(store, actor, **fields)
    assert Collection.objects.filter(store=store).count() == before
    return info.value.fields


def rule(field: str, op: str, value: str) -> CollectionRule:
    return CollectionRule(field=field, op=op, value=value)


def entries(store, collection) -> list[int]:
    return list(
        CollectionProduct.objects.filter(store=store, collection=collection)
        .order_by("position")
        .values_list("product_id", flat=True)
    )


def test_create_cleans_fields_and_audits(store, actor):
    collection = create(
        store,
        actor,
        title="  Summer   sale ",
        description_html='<p>Hot <script>x</script><a href="https://e.com">deals</a></p>',
        default_sort="price-asc",
    )
    collection = Collection.objects.get(store=store, pk=collection.pk)
    assert (collection.title, collection.handle, collection.kind) == ("Summer sale", "summer-sale", "manual")
    assert collection.description_html == '<p>Hot <a href="https://e.com" rel="noopener nofollow">deals</a></p>'
    assert collection.default_sort == "price-asc"
    assert AuditEntry.objects.filter(store_id=store.pk, action="catalog.collection_create").count() == 1


def test_handles_are_unique_among_the_stores_collections(store, other_store, actor):
    first = create(store, actor)
    assert create(store, actor).handle == "summer-2"
    assert create(other_store, actor).handle == "summer"
    assert refused(store, actor, handle="summer") == {"handle": ["Another collection already uses this handle."]}
    assert "handle" in refused(store, actor, handle="Not a handle")
    # A product may share a collection's handle: they live under different URLs.
    make_product(store, handle="summer-3")
    assert create(store, actor, handle="summer-3").handle == "summer-3"
    assert first.position < Collection.objects.get(store=store, handle="summer-3").position


def test_choices_are_checked(store, actor):
    fields = refused(store, actor, title="", kind="smart", default_sort="random", seo_title="x" * 71)
    assert set(fields) == {"title", "kind", "default_sort", "seo_title"}


def test_automatic_rules_are_cleaned(store, actor):
    collection = create(
        store,
        actor,
        kind="automatic",
        rules=[rule("tag", "equals", " Linen "), rule("price", "lt", "50.5"), rule("vendor", "not_equals", "Acme")],
        match_all=False,
    )
    assert collection.rules == [
        {"field": "tag", "op": "equals", "value": "linen"},
        {"field": "price", "op": "lt", "value": "50.50"},
        {"field": "vendor", "op": "not_equals", "value": "Acme"},
    ]
    assert collection.match_all is False


def test_bad_rules_are_field_errors(store, actor):
    fields = refused(
        store,
        actor,
        kind="automatic",
        rules=[
            rule("colour", "equals", "red"),
            rule("tag", "gt", "x"),
            rule("price", "equals", "5"),
            rule("price", "gt", "-1"),
            rule("price", "lt", "1e5"),
            rule("type", "equals", " "),
            rule("tag", "equals", "a|b"),
        ],
    )
    assert set(fields) == {
        "rules.0.field",
        "rules.1.op",
        "rules.2.op",
        "rules.3.value",
        "rules.4.value",
        "rules.5.value",
        "rules.6.value",
    }
    assert refused(store, actor, kind="automatic") == {"rules": ["Add at least one rule."]}
    eleven = [rule("tag", "equals", f"t{i}") for i in range(11)]
    assert refused(store, actor, kind="automatic", rules=eleven) == {"rules": ["A collection has at most 10 rules."]}
    assert "rules" in refused(store, actor, kind="manual", rules=[rule("tag", "equals", "x")])


def test_one_featured_collection_per_store(store, other_store, actor):
    theirs = create(other_store, actor, is_featured=True)
    first = create(store, actor, is_featured=True)
    second = create(store, actor, title="Winter", is_featured=True)
    featured = list(Collection.objects.filter(store=store, is_featured=True).values_list("pk", flat=True))
    assert featured == [second.pk]
    services.collection_update(
        store=store, actor=actor, collection=first, data=CollectionInput(title="Summer", is_featured=True)
    )
    featured = list(Collection.objects.filter(store=store, is_featured=True).values_list("pk", flat=True))
    assert featured == [first.pk]
    assert Collection.objects.get(store=other_store, pk=theirs.pk).is_featured


def test_update_keeps_handle_when_blank(store, actor):
    collection = create(store, actor)
    updated = services.collection_update(
        store=store, actor=actor, collection=collection, data=CollectionInput(title="Summer 2026")
    )
    assert (updated.title, updated.handle) == ("Summer 2026", "summer")


def test_set_products_orders_and_dedupes(store, actor):
    collection = create(store, actor)
    a, b, c = (make_product(store) for _ in range(3))
    services.collection_set_products(
        store=store, actor=actor, collection=collection, product_ids=[c.pk, a.pk, c.pk, b.pk]
    )
    assert entries(store, collection) == [c.pk, a.pk, b.pk]
    positions = CollectionProduct.objects.filter(store=store, collection=collection).values_list("position", flat=True)
    assert sorted(positions) == [0, 1, 2]
    services.collection_set_products(store=store, actor=actor, collection=collection, product_ids=[b.pk])
    assert entries(store, collection) == [b.pk]


def test_set_products_refuses_other_stores_products_and_writes_nothing(store, other_store, actor):
    collection = create(store, actor)
    mine = make_product(store)
    services.collection_set_products(store=store, actor=actor, collection=collection, product_ids=[mine.pk])
    theirs = make_product(other_store)
    missing = Product.objects.filter(store=store).order_by("-pk").values_list("pk", flat=True).first() + 1000
    for ids in ([mine.pk, theirs.pk], [missing], [mine.pk, "1"]):
        with pytest.raises(ApplicationError) as info:
            services.collection_set_products(store=store, actor=actor, collection=collection, product_ids=ids)
        assert list(info.value.fields) == ["product_ids"]
    assert entries(store, collection) == [mine.pk]


def test_set_products_on_automatic_collection_is_refused(store, actor):
    collection = create(store, actor, kind="automatic", rules=[rule("tag", "equals", "x")])
    with pytest.raises(ApplicationError):
        services.collection_set_products(
            store=store, actor=actor, collection=collection, product_ids=[make_product(store).pk]
        )


def test_delete_keeps_products(store, actor):
    collection = create(store, actor)
    product = make_product(store)
    services.collection_set_products(store=store, actor=actor, collection=collection, product_ids=[product.pk])
    services.collection_delete(store=store, actor=actor, collection=collection)
    assert not Collection.objects.filter(store=store).exists()
    assert not CollectionProduct.objects.filter(store=store).exists()
    assert Product.objects.filter(store=store, pk=product.pk).exists()
    assert AuditEntry.objects.filter(store_id=store.pk, action="catalog.collection_delete").count() == 1


def test_another_stores_collection_is_refused(store, other_store, actor):
    theirs = create(other_store, actor)
    with pytest.raises(NotFound):
        services.collection_update(store=store, actor=actor, collection=theirs, data=CollectionInput(title="Mine"))
    with pytest.raises(NotFound):
        services.collection_delete(store=store, actor=actor, collection=theirs)
    with pytest.raises(NotFound):
        services.collection_set_products(store=store, actor=actor, collection=theirs, product_ids=[])
    assert Collection.objects.get(store=other_store, pk=theirs.pk).title == "Summer"


def test_duplicate_handle_past_the_check_is_a_clean_error(store, actor, monkeypatch):
    create(store, actor, handle="sale")
    monkeypatch.setattr("shopwright.catalog.validation.collection_handle_taken", lambda **kwargs: False)
    assert refused(store, actor, handle="sale") == {"handle": ["Another collection already uses this handle."]}
