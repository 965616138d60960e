"""`shopwright worker`: a Huey consumer (SQLite queue by default, Redis with REDIS_URL)."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background job consumer."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--workers", type=int, default=settings.WORKER_THREADS, help="threads (default: WORKER_THREADS, 8)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("run_huey", workers=options["workers"], worker_type="thread")
