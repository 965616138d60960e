"""core.api.ApiSchema: plain data is validated by pydantic itself; everything else as ninja's Schema does."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from ninja import Schema
from ninja import schema as ninja_schema
from pydantic import ValidationError

from shopwright.core.api import ApiSchema, InputSchema


class LineOut(ApiSchema):
    sku: str
    quantity: int


class CartOut(ApiSchema):
    total: Decimal
    lines: list[LineOut]
    note: str = ""


class NinjaLineOut(Schema):
    sku: str
    quantity: int


class NinjaCartOut(Schema):
    total: Decimal
    lines: list[NinjaLineOut]
    note: str = ""


class LineIn(InputSchema):
    variant_id: int
    quantity: int = 1


@dataclass
class LineRow:
    sku: str
    quantity: int


@pytest.fixture
def getters(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every DjangoGetter made (ninja's per-field Python wrapper)."""
    made: list[object] = []
    real = ninja_schema.DjangoGetter

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, obj: object, *args: object, **kwargs: object) -> None:
            made.append(obj)
            super().__init__(obj, *args, **kwargs)

    monkeypatch.setattr("shopwright.core.api.DjangoGetter", Counting)
    monkeypatch.setattr(ninja_schema, "DjangoGetter", Counting)
    return made


def test_an_answer_from_keywords_and_its_revalidation_need_no_getter(getters: list[object]) -> None:
    answer = CartOut(total=Decimal("12.50"), lines=[LineOut(sku="A-1", quantity=2), {"sku": "B-2", "quantity": 1}])
    assert CartOut.model_validate(answer) is answer  # what ninja does with the view's answer
    assert getters == []
    lines = [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 1}]
    reference = NinjaCartOut(total=Decimal("12.50"), lines=lines)
    assert answer.model_dump() == reference.model_dump()


def test_objects_still_go_through_the_getter_as_with_ninja(getters: list[object]) -> None:
    row = LineRow(sku="A-1", quantity=3)
    assert (
        LineOut.model_validate(row).model_dump()
        == NinjaLineOut.model_validate(row).model_dump()
        == {
            "sku": "A-1",
            "quantity": 3,
        }
    )
    assert row in getters


def test_a_request_body_is_checked_as_before(getters: list[object]) -> None:
    assert LineIn.model_validate({"variant_id": 7}).model_dump() == {"variant_id": 7, "quantity": 1}
    assert getters == []
    with pytest.raises(ValidationError) as missing:
        LineIn.model_validate({"quantity": 2})
    assert [(e["loc"], e["type"]) for e in missing.value.errors()] == [(("variant_id",), "missing")]
    with pytest.raises(ValidationError) as wrong:
        LineIn.model_validate({"variant_id": "seven"})
    assert [(e["loc"], e["type"]) for e in wrong.value.errors()] == [(("variant_id",), "int_parsing")]
    for not_an_object in ([1, 2], "x", 3):
        with pytest.raises(ValidationError, match="must be a JSON object"):
            LineIn.model_validate(not_an_object)
