"""A real kill (SIGKILL) of the erasure halfway, on PostgreSQL: run again, it finishes and the residue scan passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from shopwright.core.audit import Actor
from shopwright.customers.models import Customer
from shopwright.privacy import erasure
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from tests.factories import make_merchant
from tests.privacy_factories import make_rich_customer

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_erasure_finishes_when_run_again(postgres, settings, tmp_path, monkeypatch):
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")
    store = make_merchant().store
    customer, _facts = make_rich_customer(store, sign_in=False)
    request = DataRequest.objects.create(
        store=store,
        kind=RequestKind.DELETION,
        status=RequestStatus.IN_PROGRESS,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        subject_email=customer.email,
    )
    monkeypatch.setattr("shopwright.privacy.engine_tasks.erasure_run_task", lambda request_id: None)
    erasure.erasure_start(request=request, actor=Actor.system())

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SHOPWRIGHT_DATA_KEYS": ",".join(settings.SHOPWRIGHT_DATA_KEYS),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_EXPORT_ROOT": str(settings.PRIVATE_EXPORT_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "erase_subject", "--request", str(request.pk), "--pause", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            request.refresh_from_db()
            steps = request.erasure_progress.get("steps", {})
            if len(steps) > 1:  # "lock" and at least one committed batch
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("the erasure did not commit a step in time")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert Customer.objects.filter(store=store, pk=customer.pk).exists(), "killed before the end"

    erasure.erasure_run(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.residue_report["clean"], request.residue_report
    assert not Customer.objects.filter(store=store, pk=customer.pk).exists()
