#!/usr/bin/env python
"""Same as the `shopwright` command; kept for Django habits."""

from shopwright.cli import main

if __name__ == "__main__":
    main()
