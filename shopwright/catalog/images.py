"""Product image files: renditions of an upload, their storage names and URLs."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Remove stored files once the current transaction commits (a rollback keeps them)."""
    names = [n for n in names if n]
    if not names:
        return

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)
