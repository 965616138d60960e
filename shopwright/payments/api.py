"""REST endpoints of payments (django-ninja router, mounted at /api/v1/payments).

`POST /webhooks/{provider}` on a store host is where providers post their
events. It takes no credentials and no CSRF token: the provider's
signature over the raw body is the authentication, so the body is read as
bytes (`request.body`), never parsed before the signature is checked.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from shopwright.core.api import ApiSchema, ErrorOut, require_store_host
from shopwright.core.requests import client_ip
from shopwright.payments import services
from shopwright.payments.providers.base import WebhookRejected

router = Router(tags=["payments"])


class WebhookOut(ApiSchema):
    # "applied", "duplicate" (seen before: nothing changed) or "ignored" (not about a payment of this store).
    result: str


_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "description": "The provider's event, exactly as it signed it (JSON).",
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
    }
}


@router.post(
    "/webhooks/{provider}",
    auth=None,
    response={200: WebhookOut, 400: ErrorOut, 404: ErrorOut},
    summary="Receive a payment provider's signed event",
    description=(
        "Served on a store host. `provider` is `test` (header Shopwright-Test-Signature) or `stripe` "
        "(header Stripe-Signature). A bad signature or a timestamp more than 5 minutes off answers 400 and "
        "is written to the store's audit log; an event already received answers 200 with "
        '`{"result": "duplicate"}` and changes nothing.'
    ),
    openapi_extra=_WEBHOOK_BODY,
)
def webhook(request: HttpRequest, provider: str) -> Status[WebhookOut] | Status[ErrorOut]:
    store = require_store_host(request)
    try:
        result = services.webhook_receive(
            store=store,
            provider_name=provider,
            body=request.body,
            headers=request.headers,
            ip=client_ip(request),
        )
    except WebhookRejected as exc:
        return Status(400, ErrorOut(code="webhook_rejected", message=f"Webhook rejected: {exc.reason}.", fields={}))
    return Status(200, WebhookOut(result=result))
