"""Background jobs of the catalog: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.catalog.imports import import_apply, import_purge_stale


# No automatic retry: a job that stops marks itself failed, and a second run
# of the same job id would find it over. Running it again by hand is safe.
@db_task()
def import_apply_task(store_id: int, job_id: int) -> None:
    import_apply(store_id=store_id, job_id=job_id)


@db_periodic_task(crontab(minute="41"))
def import_purge_stale_task() -> None:
    import_purge_stale()
