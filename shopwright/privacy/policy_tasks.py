"""Jobs of policy versions and consents (policies.py, consents.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.privacy.policies import policy_notify_batch, policy_notify_pending


@db_task(retries=3, retry_delay=60)
def policy_notify_task(version_id: int, after_id: int = 0) -> None:
    """One batch of the major-change emails; queues the next batch until everyone is told."""
    cursor = policy_notify_batch(version_id=version_id, after_id=after_id)
    if cursor is not None:
        policy_notify_task(version_id, cursor)


@db_periodic_task(crontab(minute="*/15"))
def policy_notify_pending_task() -> None:
    """Resume the emails of a major version whose chain of batches stopped (a crashed worker)."""
    policy_notify_pending()
