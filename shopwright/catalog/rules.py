"""Automatic collections: a collection's rules as a query condition on `Product`.

A rule is {"field": "tag"|"type"|"vendor"|"price", "op": "equals"|"not_equals"|"gt"|"lt", "value": str}
(`Collection.rules`, checked by `catalog.services` when saved). Rules read the
denormalised product columns only (`tags_text`, `product_type`, `vendor`,
`price_min`), so a collection page is one query on the product table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q

# A condition no row satisfies: what an unusable rule, or an automatic
# collection without rules, matches (an empty collection, never the whole catalog).
MATCH_NOTHING = Q(pk__in=[])


def rule_q(rule: Mapping[str, Any]) -> Q:
    """One rule as a condition; a rule the services would refuse matches nothing."""
    field = str(rule.get("field", ""))
    op = str(rule.get("op", ""))
    value = str(rule.get("value", "")).strip()
    if field in ("tag", "type", "vendor"):
        if not value or op not in ("equals", "not_equals"):
            return MATCH_NOTHING
        if field == "tag":
            # Tags are stored lower-case between bars ("|linen|summer|"), so a
            # whole tag matches and "lin" does not match "linen".
            condition = Q(tags_text__contains=f"|{value.lower()}|")
        elif field == "type":
            condition = Q(product_type__iexact=value)
        else:
            condition = Q(vendor__iexact=value)
        return condition if op == "equals" else ~condition
    if field == "price":
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return MATCH_NOTHING
        if not amount.is_finite():
            return MATCH_NOTHING
        if op == "gt":
            return Q(price_min__gt=amount)
        if op == "lt":
            return Q(price_min__lt=amount)
    return MATCH_NOTHING


def rules_q(rules: Iterable[Mapping[str, Any]], *, match_all: bool) -> Q:
    """All rules joined with AND (`match_all`) or OR; no rules match nothing."""
    conditions = [rule_q(rule) for rule in rules if isinstance(rule, Mapping)]
    if not conditions:
        return MATCH_NOTHING
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined & condition) if match_all else (combined | condition)
    return combined
