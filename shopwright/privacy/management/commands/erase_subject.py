"""Run (or resume) the erasure of a deletion request in this process: `manage.py erase_subject --request N`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shopwright.core.exceptions import ApplicationError
from shopwright.privacy.erasure import erasure_run


class Command(BaseCommand):
    help = "Run or resume the erasure of a data request (the job does this; use it to finish one by hand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--request", type=int, required=True, help="the DataRequest id")
        parser.add_argument("--pause", type=float, default=0.0, help="seconds to wait between batches")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            request = erasure_run(request_id=options["request"], pause=options["pause"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report = request.residue_report or {}
        self.stdout.write(f"request {request.pk}: {request.status}, residue clean: {report.get('clean')}")
