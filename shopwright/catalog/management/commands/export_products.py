"""`shopwright export-products --store <handle> [--output FILE]`: the catalog CSV the back office exports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shopwright.catalog.csv_io import export_text
from shopwright.stores.models import Store


class Command(BaseCommand):
    help = "Write a store's catalog as CSV (UTF-8 with a byte-order mark), to a file or to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the store's handle")
        parser.add_argument("--output", "-o", default="-", help="file to write; '-' (the default) is standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(handle=str(options["store"]).lower()).first()
        if store is None:
            raise CommandError(f"No store has the handle {options['store']!r}.")
        if options["output"] == "-":
            for chunk in export_text(store=store):
                self.stdout.write(chunk, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                for chunk in export_text(store=store):
                    out.write(chunk)
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from exc
        self.stderr.write(f"Wrote {options['output']}.")
