"""Cart money maths on its own: exact Decimals, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.cart import pricing


def test_a_line_total_is_the_unit_price_times_the_quantity_exactly() -> None:
    assert pricing.line_total(unit_price=Decimal("19.99"), quantity=3) == Decimal("59.97")
    assert pricing.line_total(unit_price=Decimal("0.10"), quantity=999) == Decimal("99.90")
    assert pricing.line_total(unit_price=Decimal("1200"), quantity=2) == Decimal("2400")


def test_a_negative_quantity_is_a_bug_not_a_refund() -> None:
    with pytest.raises(ValueError):
        pricing.line_total(unit_price=Decimal("1.00"), quantity=-1)


def test_savings_count_only_a_higher_compare_at_price() -> None:
    assert pricing.line_savings(unit_price=Decimal("8.00"), compare_at_price=Decimal("10.50"), quantity=2) == Decimal(
        "5.00"
    )
    assert pricing.line_savings(unit_price=Decimal("8.00"), compare_at_price=Decimal("8.00"), quantity=2) == 0
    assert pricing.line_savings(unit_price=Decimal("8.00"), compare_at_price=Decimal("6.00"), quantity=2) == 0
    assert pricing.line_savings(unit_price=Decimal("8.00"), compare_at_price=None, quantity=2) == 0


def test_a_subtotal_of_many_cents_does_not_drift() -> None:
    # 0.1 + 0.2 in floats is 0.30000000000000004; in a cart it must be 0.30.
    amounts = [Decimal("0.10"), Decimal("0.20")] * 500
    total = pricing.subtotal(amounts)
    assert total == Decimal("150.00")
    assert isinstance(total, Decimal)
    assert pricing.subtotal([]) == Decimal("0")
