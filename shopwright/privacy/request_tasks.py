"""Jobs of data requests (privacy.requests): the export of a verified request, and deadline reminders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.privacy.requests import request_export_run, requests_remind


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def request_export_task(request_id: int) -> None:
    request_export_run(request_id=request_id)


@db_periodic_task(crontab(minute="41"))  # hourly: reminders at day 10 and 14 after verification
def requests_remind_task() -> None:
    requests_remind()
