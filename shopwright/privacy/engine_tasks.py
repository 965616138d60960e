"""Jobs of the export and erasure engine (exports.py, erasure.py): thin wrappers over their services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.privacy.erasure import (
    ErasureRefused,
    ErasureRunning,
    erasure_run,
    erasures_stalled,
    residue_check,
    residue_checks_pending,
)
from shopwright.privacy.exports import export_build, exports_expire
from shopwright.privacy.models import DataRequest


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def export_build_task(request_id: int) -> None:
    request = DataRequest.objects.filter(pk=request_id).first()
    if request is not None:
        export_build(request=request)


@db_task(retries=5, retry_delay=60, retry_backoff=2)
def erasure_run_task(request_id: int) -> None:
    # Resumable: a retry (or a second worker) picks up where the last run stopped.
    try:
        erasure_run(request_id=request_id)
    except ErasureRunning:
        return  # another worker runs it now
    except ErasureRefused:
        return  # not a started deletion (finished meanwhile, or refused by the map: the request says why)


@db_periodic_task(crontab(minute="*/15"))
def erasures_resume_task() -> None:
    # A worker killed mid-erasure loses its job; the account stays locked until the erasure is run again.
    for request_id in erasures_stalled():
        erasure_run_task(request_id)
    for request_id in residue_checks_pending():
        residue_check_task(request_id)


@db_task(retries=3, retry_delay=300)
def residue_check_task(request_id: int) -> None:
    # A completed erasure whose scan was cut short: the report is still owed.
    residue_check(request_id=request_id)


@db_periodic_task(crontab(minute="17"))  # hourly: downloaded and expired archives' files go
def exports_expire_task() -> None:
    exports_expire()
