"""`shopwright import-products --store <handle> FILE [--dry-run]`: the back office's CSV import, from a shell.

It prints the preview (products to create and update, warnings, every
error with its row and column) and exits with status 1, writing nothing,
when the file is invalid. Otherwise it applies the file here, not in the
job queue, with a progress bar on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from shopwright.catalog.csv_io import MAX_FILE_BYTES, CsvIssue
from shopwright.catalog.imports import ImportPlan, import_apply, import_check, import_confirm, import_preview_create
from shopwright.catalog.models import ImportJob
from shopwright.core.audit import Actor
from shopwright.stores.models import Store


class ProgressBar:
    """`[#####.....] 512/1000 rows`, redrawn in place on a terminal (one line per update otherwise)."""

    def __init__(self, stream: OutputWrapper, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.in_place = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        filled = self.width if total <= 0 else min(self.width, done * self.width // total)
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} rows"
        self.stream.write(("\r" + bar) if self.in_place else bar, ending="" if self.in_place else "\n")
        if self.in_place and done >= total:
            self.stream.write("")


def report(plan: ImportPlan, name: str) -> list[str]:
    products = plan.to_create + plan.to_update
    lines = [
        f"{name}: {plan.row_count} rows, {products} products: {plan.to_create} to create, {plan.to_update} to update."
    ]
    for title, issues in (("Warnings", plan.warnings), ("Errors", plan.errors)):
        if issues:
            lines.append(f"{title}:")
            lines.extend(f"  {issue.where}: {issue.message}" for issue in issues)
    return lines


class Command(BaseCommand):
    help = "Import products from a catalog CSV file into a store (preview, then apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the store's handle")
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(handle=str(options["store"]).lower()).first()
        if store is None:
            raise CommandError(f"No store has the handle {options['store']!r}.")
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc

        actor = Actor.system()
        if options["dry_run"]:
            plan = import_check(store=store, data=data)
            self._print(report(plan, path.name))
            self._refuse_if_invalid(plan)
            self.stdout.write("Dry run: nothing was written.")
            return
        plan, job = import_preview_create(store=store, actor=actor, data=data, file_name=path.name)
        self._print(report(plan, path.name))
        self._refuse_if_invalid(plan)
        assert job is not None  # a valid plan always has its job
        import_confirm(store=store, actor=actor, job=job, queue=False)
        finished = import_apply(store_id=store.pk, job_id=job.pk, progress=ProgressBar(self.stderr))
        if finished is None:
            raise CommandError("The import job disappeared.")
        problems = [CsvIssue.from_dict(e) for e in finished.errors if not e.get("warning")]
        for issue in problems:
            self.stdout.write(f"  {issue.where}: {issue.message}")
        summary = f"{finished.created_count} created, {finished.updated_count} updated"
        if finished.status != ImportJob.Status.DONE:
            raise CommandError(f"The import stopped ({summary}).")
        left_out = f", {len(problems)} problems (those products were left out)" if problems else ""
        self.stdout.write(f"Done: {summary}{left_out}.")

    def _print(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)

    def _refuse_if_invalid(self, plan: ImportPlan) -> None:
        if not plan.valid:
            raise CommandError(f"The file has {len(plan.errors)} problems; nothing was imported.")
