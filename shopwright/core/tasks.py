from huey import crontab  # noqa: F401  (periodic jobs live beside their services)
from huey.contrib.djhuey import db_task

from shopwright.core.emails import email_deliver


@db_task(retries=5, retry_delay=30)
def email_deliver_task(email_id: int) -> None:
    email_deliver(email_id=email_id)
