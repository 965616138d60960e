"""A real Huey consumer process, on Redis, runs the jobs the web process queues."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from shopwright.core.emails import email_queue
from shopwright.core.models import Email
from tests.smtp import smtp_server


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_delivers_a_queued_email(postgres, redis_url, settings):
    from huey.contrib.djhuey import HUEY

    assert "Redis" in type(HUEY).__name__, "with REDIS_URL set the job engine must be Redis-backed"
    HUEY.immediate = False  # the test process enqueues for real, like the web server does
    HUEY.flush()
    try:
        with smtp_server() as (host, port, received):
            with transaction.atomic():
                email = email_queue(
                    kind="verify_email",
                    to="worker.check@example.com",
                    context={"name": "Worker Check", "verify_url": "http://localhost:8000/verify-email/x/"},
                )
            assert HUEY.pending_count() == 1
            env = {
                **os.environ,
                "DATABASE_URL": _database_url(),
                "REDIS_URL": redis_url,
                "EMAIL_URL": f"smtp://{host}:{port}",
                "SECRET_KEY": settings.SECRET_KEY,
                "SHOPWRIGHT_DATA_KEYS": ",".join(settings.SHOPWRIGHT_DATA_KEYS),
                "SHOPWRIGHT_ENV": "development",
            }
            worker = subprocess.Popen(
                [sys.executable, "-m", "shopwright.cli", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                deadline = time.monotonic() + 30
                while not received and time.monotonic() < deadline and worker.poll() is None:
                    time.sleep(0.2)
            finally:
                worker.terminate()
                _, errors = worker.communicate(timeout=20)
        assert received, f"the worker sent nothing; its log:\n{errors.decode()[-2000:]}"
        assert received[0]["X-Envelope-To"] == "worker.check@example.com"
        email.refresh_from_db()
        assert email.status == Email.Status.SENT
        assert HUEY.pending_count() == 0
    finally:
        HUEY.immediate = True
