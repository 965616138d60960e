"""`shopwright serve`: the web server (gunicorn) and a job consumer beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

GUNICORN_CONFIG = "shopwright.gunicorn_conf"


class Command(BaseCommand):
    help = "Serve the platform with gunicorn and run a Huey job consumer next to it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the job consumer")

    def handle(self, *args: Any, **options: Any) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shopwright.settings"}
        # Both are idempotent and quick. Production pages need the hashed
        # static manifest; the database cache (used without REDIS_URL) needs
        # its table.
        call_command("collectstatic", interactive=False, verbosity=0)
        if not settings.REDIS_URL:
            call_command("createcachetable")
        children = []
        if not options["no_worker"]:
            worker = [sys.executable, "-m", "shopwright.cli", "worker"]
            children.append(subprocess.Popen(worker, env=env))  # noqa: S603 (our own interpreter)
        web = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            [
                sys.executable,
                "-m",
                "gunicorn",
                # Access and error logs through the personal-data filter; the
                # access line has no client address and no query string.
                "-c",
                f"python:{GUNICORN_CONFIG}",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "shopwright.wsgi:application",
            ],
            env=env,
        )
        children.append(web)

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            web.wait()
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                child.wait(timeout=15)
