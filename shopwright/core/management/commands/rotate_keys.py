"""`shopwright rotate-keys`: re-encrypt personal data with the newest key."""

from typing import Any

from django.core.management.base import BaseCommand

from shopwright.core.keyrotation import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt every personal field and recompute blind indexes with the first key of SHOPWRIGHT_DATA_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_keys(progress=lambda label, n: self.stdout.write(f"{label}: {n} row(s) re-encrypted"))
        self.stdout.write(self.style.SUCCESS(f"Done: {report.total} row(s) re-encrypted with the newest key."))
