"""Storefront search and suggestions (store host)."""

from ninja import Router

router = Router()
