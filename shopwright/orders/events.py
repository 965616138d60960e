"""The order timeline writer: every change of an order leaves one OrderEvent, written in the same transaction.

`data` holds amounts, ids and codes only, never personal data: the timeline
is shown to every staff member of the store and kept as long as the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopwright.core.compiled_saves import bulk_insert
from shopwright.orders.models import OrderEvent

if TYPE_CHECKING:
    from shopwright.core.audit import Actor
    from shopwright.orders.models import Order


def order_event(*, order: Order, kind: str, actor: Actor, data: dict[str, Any] | None = None) -> OrderEvent:
    return OrderEvent.objects.create(
        store_id=order.store_id, order=order, kind=kind, actor_type=actor.type, actor_id=actor.id, data=data or {}
    )


def order_events(*, order: Order, entries: list[tuple[str, dict[str, Any]]], actor: Actor) -> None:
    """Several entries at once (one INSERT, built once per number of entries), in the order given."""
    bulk_insert(
        [
            OrderEvent(
                store_id=order.store_id, order=order, kind=kind, actor_type=actor.type, actor_id=actor.id, data=data
            )
            for kind, data in entries
        ]
    )
