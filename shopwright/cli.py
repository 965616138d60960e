"""The `shopwright` console command.

`shopwright serve`, `worker`, `demo`, `rotate-keys` and every Django
management command (`migrate`, `check`, `createsuperuser`, ...). Hyphens in a
command name are read as underscores, so `rotate-keys` runs `rotate_keys`.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopwright.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "shopwright"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
