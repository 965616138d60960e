"""REST endpoints of orders (django-ninja router, mounted in shopwright/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["orders"])
