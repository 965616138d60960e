"""`shopwright demo`: create or refresh the demo merchant and its store at demo.<domain>."""

from typing import Any

from django.core.management.base import BaseCommand

from shopwright.core.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_load
from shopwright.core.links import platform_url, store_url


class Command(BaseCommand):
    help = "Create or refresh the demo store and print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        store = demo_load()
        self.stdout.write(f"Demo store:       {store_url(store)}")
        self.stdout.write(f"Platform site:    {platform_url('/')}")
        self.stdout.write(f"Back office:      {platform_url('/office/')}  (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})")
        self.stdout.write(f"Dev outbox:       {platform_url('/dev/outbox/')}")
