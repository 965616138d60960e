"""Background jobs of the cart: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shopwright.cart.services import carts_purge_abandoned


@db_periodic_task(crontab(hour="3", minute="23"))
def carts_purge_abandoned_task() -> None:
    carts_purge_abandoned()
