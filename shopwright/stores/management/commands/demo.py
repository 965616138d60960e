"""`shopwright demo`: create or refresh the demo merchant and its store at demo.<domain>."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shopwright.core.links import platform_url, store_url
from shopwright.stores.demo import DEMO_EMAIL, DEMO_PASSWORD, REFUSED_IN_PRODUCTION, demo_load


class Command(BaseCommand):
    help = "Create or refresh the demo store and print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(REFUSED_IN_PRODUCTION)
        store = demo_load()
        self.stdout.write(f"Demo store:       {store_url(store)}")
        self.stdout.write(f"Platform site:    {platform_url('/')}")
        self.stdout.write(f"Back office:      {platform_url('/office/')}  (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})")
        if settings.DEBUG and settings.SHOPWRIGHT_OUTBOX_ONLY:
            self.stdout.write(f"Dev outbox:       {platform_url('/dev/outbox/')}  (from this machine only)")
