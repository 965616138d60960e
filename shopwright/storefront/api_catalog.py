"""Storefront catalog: products and collections (store host)."""

from ninja import Router

router = Router()
