"""Privacy endpoints: `storefront_router` answers on a store host, `merchant_router` on the platform host."""

from ninja import Router

storefront_router = Router(tags=["privacy"])
merchant_router = Router(tags=["privacy"])
