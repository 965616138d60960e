"""Data map: payments. Only the provider's references, the card brand and its last 4 digits are kept."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

_P: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.TRANSACTION, "erasure": Erasure.KEEP_ENCRYPTED}
_REF = "the provider's own id; meaningless without the provider's records, and needed for refunds and disputes"


def _not_personal(names: str) -> dict:
    return dict.fromkeys(names.split(), NOT_PERSONAL)


register(
    "payments.Payment",
    {
        **_not_personal(
            "id store order provider idempotency_key amount currency status redirect_url failure_code"
            " refunded_amount created_at updated_at"
        ),
        "reference": personal(Category.PAYMENT_REFERENCE, plain_reason=_REF, **_P),
        "charge_reference": personal(Category.PAYMENT_REFERENCE, plain_reason=_REF, **_P),
        "card_brand": personal(Category.PAYMENT_REFERENCE, plain_reason="a brand name (Visa) names nobody", **_P),
        "card_last4": personal(
            Category.PAYMENT_REFERENCE, plain_reason="4 digits, what receipts print; the card cannot be rebuilt", **_P
        ),
    },
    export_as="orders",
)
register(
    "payments.Refund",
    {
        **_not_personal(
            "id store payment order amount reason status idempotency_key failure_code actor_type created_at updated_at"
        ),
        "reference": personal(Category.PAYMENT_REFERENCE, plain_reason=_REF, **_P),
        "actor_id": personal(
            Category.LINK, subject=Subject.STAFF, retention=Retention.TRANSACTION, erasure=Erasure.ANONYMISE
        ),
    },
    export_as="orders",
)
register("payments.WebhookEvent", _not_personal("id store provider event_id event_type received_at"))
register(
    "payments.PaymentSettings",
    {
        **_not_personal("id store provider updated_at"),
        "stripe_secret_key": personal(
            Category.CREDENTIAL, subject=Subject.MERCHANT, retention=Retention.ACCOUNT, erasure=Erasure.DELETE
        ),
        "stripe_webhook_secret": personal(
            Category.CREDENTIAL, subject=Subject.MERCHANT, retention=Retention.ACCOUNT, erasure=Erasure.DELETE
        ),
    },
)
# The test provider's side of the wire (a stand-in for a provider's servers): the same kinds of value.
register(
    "payments.TestGatewayPayment",
    {
        **_not_personal(
            "account amount currency description status return_url webhook_url idempotency_key failure_code"
            " refunded_amount expires_at created_at updated_at"
        ),
        "id": personal(Category.PAYMENT_REFERENCE, plain_reason=_REF, **_P),
        "card_brand": personal(Category.PAYMENT_REFERENCE, plain_reason="a brand name (Visa) names nobody", **_P),
        "card_last4": personal(
            Category.PAYMENT_REFERENCE, plain_reason="4 digits, what receipts print; the card cannot be rebuilt", **_P
        ),
    },
)
register("payments.TestGatewayRefund", _not_personal("id payment amount idempotency_key created_at"))
