"""The cart (store host): visitors by cart token, customers by session or bearer token."""

from ninja import Router

router = Router()
