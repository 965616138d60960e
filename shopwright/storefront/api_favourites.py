"""Favourites of a signed-in customer (store host)."""

from ninja import Router

router = Router()
