"""Which tax rate a delivery is charged."""

from __future__ import annotations

import pytest

from shopwright.core.exceptions import NotFound
from shopwright.taxes.selectors import tax_rate_for, tax_rate_for_office, tax_rates_for_office
from tests.checkout_factories import make_tax

pytestmark = pytest.mark.django_db


def test_a_region_rate_wins_over_its_country_rate(store, django_assert_num_queries) -> None:
    make_tax(store, area="US", rate="5", name="Federal")
    make_tax(store, area="US-CA", rate="7.25", name="California")
    with django_assert_num_queries(1):
        assert tax_rate_for(store=store, country="US", area="CA").name == "California"
    assert tax_rate_for(store=store, country="us", area="ca").name == "California"
    assert tax_rate_for(store=store, country="US", area="NY").name == "Federal"
    assert tax_rate_for(store=store, country="US", area="").name == "Federal"


def test_no_rate_means_no_tax(store, other_store, django_assert_num_queries) -> None:
    make_tax(other_store, area="DE", rate="19")
    assert tax_rate_for(store=store, country="DE", area="") is None
    with django_assert_num_queries(0):
        assert tax_rate_for(store=store, country="", area="") is None


def test_the_back_office_reads_only_its_own_rates(store, other_store) -> None:
    mine = make_tax(store, area="FR", rate="20")
    make_tax(store, area="DE", rate="19")
    theirs = make_tax(other_store, area="DE", rate="19")
    assert [r.area for r in tax_rates_for_office(store=store)] == ["DE", "FR"]
    assert tax_rate_for_office(store=store, rate_id=mine.pk) == mine
    with pytest.raises(NotFound):
        tax_rate_for_office(store=store, rate_id=theirs.pk)
