"""Background jobs of orders: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shopwright.orders.services import order_reservations_expire

BATCH = 200
# A busy minute may leave more than one batch behind; a bound keeps one run from going on forever.
MAX_BATCHES = 25


# Every minute: orders whose 15-minute hold ran out give their stock back.
@db_periodic_task(crontab(minute="*"))
def order_reservations_expire_task() -> None:
    for _ in range(MAX_BATCHES):
        if order_reservations_expire(batch=BATCH) < BATCH:
            break
