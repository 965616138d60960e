"""The built-in test provider's "server": its API, its hosted card page's rules, and its webhooks.

It stands in for a real provider, so it keeps to what a real one offers:

- an API shaped like HTTP endpoints (`create`, `retrieve`, `cancel`,
  `refund`, `retrieve_refund`): the
  Shopwright-side adapter (providers/test_provider.py) calls only these,
  gets JSON-shaped dicts back, and never reads the gateway's tables;
- a hosted page (views.py) holding the only card form: `card_submit` and
  `authentication_finish` decide outcomes from the test card numbers;
- signed webhooks after every outcome, delivered by a job with retries;
- an expiry, as Stripe's Checkout Sessions have: after `expires_at` the
  page takes no card and the payment reads "expired"; `cancel` closes a
  payment at once (the store's order was cancelled, or it moved on).

The card number is used to pick an outcome and to compute the brand and
last four digits, then dropped: it is never stored, logged or returned.

Test cards (any future expiry, any CVC):
  4242 4242 4242 4242   succeeds
  4000 0000 0000 0002   is declined (card_declined); the payment stays payable
  4000 0027 6000 3184   needs extra authentication (a second page decides)
Any other valid card number succeeds.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shopwright.core.compiled import CompiledRead
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.validation import FieldErrors
from shopwright.payments.models import TestGatewayPayment, TestGatewayRefund, TestGatewayStatus
from shopwright.payments.testgateway import signing

logger = logging.getLogger(__name__)

DECLINE_CARD = "4000000000000002"
AUTHENTICATION_CARD = "4000002760003184"
# Statuses in which the hosted page still takes a card (a declined payment may be retried, as at Stripe).
PAYABLE = {TestGatewayStatus.OPEN, TestGatewayStatus.FAILED}
# Not finished: what an expiry or a cancel closes (a payment waiting for authentication too).
UNFINISHED = PAYABLE | {TestGatewayStatus.REQUIRES_ACTION}
CLOSED = {TestGatewayStatus.EXPIRED, TestGatewayStatus.CANCELED}
MAX_AMOUNT = Decimal("99999999.99")

EVENT_SUCCEEDED = "payment.succeeded"
EVENT_FAILED = "payment.failed"
EVENT_ACTION_REQUIRED = "payment.action_required"
EVENT_REFUNDED = "refund.succeeded"
_EVENT_STATUS = {
    EVENT_SUCCEEDED: TestGatewayStatus.SUCCEEDED,
    EVENT_FAILED: TestGatewayStatus.FAILED,
    EVENT_ACTION_REQUIRED: TestGatewayStatus.REQUIRES_ACTION,
}

DELIVERY_HTTP = "http"
DELIVERY_DIRECT = "direct"


class GatewayError(Exception):
    """The gateway refused a call, as an HTTP 4xx would: `code` says why. Retrying the same call fails the same."""

    def __init__(self, code: str, message: str, *, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


class GatewayUnavailable(Exception):
    """The gateway could not be reached (what a timeout or a 5xx is for a real provider); safe to retry."""


class DeliveryFailed(Exception):
    """A webhook was not accepted by the store; the job retries it with back-off."""


# --- the API ---------------------------------------------------------------------------


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _money_text(amount: Decimal | int) -> str:
    return format(Decimal(amount).quantize(Decimal("0.01")), "f")


def status_now(payment: TestGatewayPayment, now: datetime | None = None) -> str:
    """The payment's status as of `now`: an unfinished payment past its expires_at reads "expired"."""
    expires_at = payment.expires_at
    if payment.status in UNFINISHED and expires_at is not None and (now or timezone.now()) >= expires_at:
        return TestGatewayStatus.EXPIRED
    return payment.status


def _close_if_expired(payment: TestGatewayPayment) -> bool:
    """Write down an expiry the clock already decided (the caller holds the row lock); True if it expired."""
    if status_now(payment) != TestGatewayStatus.EXPIRED or payment.status == TestGatewayStatus.EXPIRED:
        return payment.status == TestGatewayStatus.EXPIRED
    payment.status = TestGatewayStatus.EXPIRED
    payment.card_brand = payment.card_last4 = ""
    payment.save(update_fields=["status", "card_brand", "card_last4", "updated_at"])
    return True


def _payment_json(payment: TestGatewayPayment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "object": "payment",
        "status": status_now(payment),
        "amount": _money_text(payment.amount),
        "currency": payment.currency,
        "description": payment.description,
        "card_brand": payment.card_brand,
        "card_last4": payment.card_last4,
        "failure_code": payment.failure_code,
        "refunded_amount": _money_text(payment.refunded_amount),
        "expires_at": int(payment.expires_at.timestamp()) if payment.expires_at else None,
        "url": hosted_page_url(payment.id),
    }


def _refund_json(refund: TestGatewayRefund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "payment": refund.payment_id,
        "amount": _money_text(refund.amount),
        "status": "succeeded",
    }


def hosted_page_url(payment_id: str) -> str:
    """The page the buyer pays on: on the platform host, outside every store's pages."""
    from shopwright.core.links import platform_url

    return platform_url(f"/testpay/{payment_id}/")


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise GatewayError("invalid_amount", "amount is not a number") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise GatewayError("invalid_amount", "amount must be positive with at most 2 decimals")
    return amount


def _url(value: Any, name: str) -> str:
    url = str(value or "")
    if urlsplit(url).scheme not in ("http", "https") or len(url) > 1000:
        raise GatewayError("invalid_url", f"{name} must be an http(s) URL")
    return url


def _expires_at(value: Any) -> datetime | None:
    """A Unix time in the future (as Stripe's `expires_at`), or nothing: a payment that never expires."""
    if value in (None, ""):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise GatewayError("invalid_expires_at", "expires_at must be a Unix time") from None
    if seconds <= time.time():
        raise GatewayError("invalid_expires_at", "expires_at must be in the future")
    return datetime.fromtimestamp(seconds, tz=UTC)


# The columns `create` writes: every field of TestGatewayPayment (a test checks that none is missing).
_CREATE_FIELDS = (
    "id",
    "account",
    "amount",
    "currency",
    "description",
    "status",
    "return_url",
    "webhook_url",
    "idempotency_key",
    "card_brand",
    "card_last4",
    "failure_code",
    "refunded_amount",
    "expires_at",
    "created_at",
    "updated_at",
)
# One statement: the row is made unless the account already used the key (testgateway_account_idem_unique).
# RETURNING names the row only when this statement made it. Needs SQLite >= 3.35 or PostgreSQL.
_CREATE_SQL = """
    INSERT INTO payments_testgatewaypayment
        (id, account, amount, currency, description, status, return_url, webhook_url, idempotency_key,
         card_brand, card_last4, failure_code, refunded_amount, expires_at, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (account, idempotency_key) DO NOTHING
    RETURNING id
"""


def _insert_new(payment: TestGatewayPayment) -> bool:
    """Insert the payment unless its account used its idempotency key already; True if it was inserted.

    Outside a transaction it is one statement that commits by itself; two
    racing calls with the same key make one row (the unique constraint),
    and the loser inserts nothing, with no error to roll back.
    """
    fields = {field.name: field for field in TestGatewayPayment._meta.concrete_fields}
    params = []
    for name in _CREATE_FIELDS:
        field = fields[name]
        params.append(field.get_db_prep_save(field.pre_save(payment, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_SQL, params)
        return cursor.fetchone() is not None


def _by_key(*, account: int, key: str) -> TestGatewayPayment | None:
    """The account's payment made with `key`, if any (one at most: testgateway_account_idem_unique)."""
    try:
        return TestGatewayPayment.objects.get(account=account, idempotency_key=key)
    except TestGatewayPayment.DoesNotExist:
        return None


def create(*, account: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """POST /payments: a payment waiting for the buyer on the hosted page.

    `params`: amount (decimal text), currency, description, return_url,
    webhook_url, idempotency_key, and optionally expires_at (Unix time:
    the page takes no card after it). A repeated key answers the payment
    the first call made, even when both calls race, and even when its
    parameters no longer pass (its expires_at has passed since).

    A new key costs one statement (an insert that does nothing when the key
    is taken); a repeated one, a second to read what the first call made.
    """
    key = str(params.get("idempotency_key") or "")
    if not key or len(key) > 64:
        raise GatewayError("invalid_idempotency_key", "idempotency_key is required (at most 64 characters)")
    try:
        payment = _new_payment(account=account, key=key, params=params)
    except GatewayError:
        # A repeated key answers its payment whatever the parameters say now, as before they were checked.
        existing = _by_key(account=account, key=key)
        if existing is None:
            raise
        return _payment_json(existing)
    if not _insert_new(payment):
        # The key was used before (a retried call, or another call that won the race): answer what it made.
        payment = TestGatewayPayment.objects.get(account=account, idempotency_key=key)
    return _payment_json(payment)


def _new_payment(*, account: int, key: str, params: Mapping[str, Any]) -> TestGatewayPayment:
    """The payment `params` ask for, checked (GatewayError for a bad parameter); not saved."""
    currency = str(params.get("currency") or "")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise GatewayError("invalid_currency", "currency must be an ISO 4217 code")
    return TestGatewayPayment(
        id=_new_id("tp"),
        account=account,
        amount=_amount(params.get("amount")),
        currency=currency,
        description=str(params.get("description") or "")[:200],
        return_url=_url(params.get("return_url"), "return_url"),
        webhook_url=_url(params.get("webhook_url"), "webhook_url"),
        idempotency_key=key,
        expires_at=_expires_at(params.get("expires_at")),
    )


def retrieve(*, account: int, payment_id: str) -> dict[str, Any]:
    """GET /payments/<id>: the payment as the gateway knows it; another account's id is not found."""
    payment = _ACCOUNT_PAYMENT.first(account=account, pk=payment_id) if len(payment_id) <= 40 else None
    if payment is None:
        raise GatewayError("not_found", "no such payment", status=404)
    return _payment_json(payment)


# The store's return page asks for its payment on every load while it waits: compiled once (core.compiled).
_ACCOUNT_PAYMENT = CompiledRead(
    lambda account, pk: TestGatewayPayment.objects.filter(account=account, pk=pk).order_by()[:1],
    name="test provider's payment of an account",
)


def cancel(*, account: int, payment_id: str) -> dict[str, Any]:
    """POST /payments/<id>/cancel: close an unfinished payment, so its page takes no card any more.

    Answers the payment as it is afterwards: "canceled" (or "expired" when
    its time had run out), or unchanged when it had already succeeded or
    closed, so a repeated call is harmless and a payment paid just before
    the call is reported paid.
    """
    with transaction.atomic():
        payment = TestGatewayPayment.objects.select_for_update().filter(account=account, pk=payment_id).first()
        if payment is None:
            raise GatewayError("not_found", "no such payment", status=404)
        if not _close_if_expired(payment) and payment.status in UNFINISHED:
            payment.status = TestGatewayStatus.CANCELED
            payment.card_brand = payment.card_last4 = ""
            payment.save(update_fields=["status", "card_brand", "card_last4", "updated_at"])
    return _payment_json(payment)


def retrieve_refund(*, account: int, refund_id: str) -> dict[str, Any]:
    """GET /refunds/<id>: a refund as the gateway knows it (the gateway settles refunds at once)."""
    made = TestGatewayRefund.objects.filter(payment__account=account, pk=refund_id).first()
    if made is None:
        raise GatewayError("not_found", "no such refund", status=404)
    return _refund_json(made)


def refund(*, account: int, payment_id: str, amount: Decimal | str, idempotency_key: str) -> dict[str, Any]:
    """POST /payments/<id>/refunds: give back part or all of a succeeded payment.

    A repeated idempotency key answers the refund the first call made and
    moves no money again.
    """
    if not idempotency_key or len(idempotency_key) > 64:
        raise GatewayError("invalid_idempotency_key", "idempotency_key is required (at most 64 characters)")
    value = _amount(amount)
    with transaction.atomic():
        payment = TestGatewayPayment.objects.select_for_update().filter(account=account, pk=payment_id).first()
        if payment is None:
            raise GatewayError("not_found", "no such payment", status=404)
        done = TestGatewayRefund.objects.filter(payment=payment, idempotency_key=idempotency_key).first()
        if done is not None:
            return _refund_json(done)
        if payment.status != TestGatewayStatus.SUCCEEDED:
            raise GatewayError("payment_not_succeeded", "only a succeeded payment can be refunded")
        if value > payment.amount - payment.refunded_amount:
            raise GatewayError("amount_too_large", "the refund is larger than what is left of the payment")
        made = TestGatewayRefund.objects.create(
            id=_new_id("tr"), payment=payment, amount=value, idempotency_key=idempotency_key
        )
        payment.refunded_amount += value
        payment.save(update_fields=["refunded_amount", "updated_at"])
        _event_later(payment, EVENT_REFUNDED, refund_id=made.id)
    return _refund_json(made)


# --- the hosted page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What is kept of a card once checked: never the number itself."""

    brand: str
    last4: str
    # What this test card does: "succeed", "decline" or "authenticate".
    behaviour: str


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    return "card"


def card_check(*, number: str, expiry: str, cvc: str, name: str, today: Any = None) -> Card:
    """Check a card form; raises ApplicationError with a message per bad field (none echoes the number)."""
    errors = FieldErrors()
    digits = re.sub(r"[\s-]", "", number or "")
    if not digits:
        errors.add("number", "Enter the card number.")
    elif not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
        errors.add("number", "This card number is not valid.")
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2})\s*", expiry or "")
    if not match:
        errors.add("expiry", "Enter the expiry date as MM/YY.")
    else:
        month, year = int(match.group(1)), 2000 + int(match.group(2))
        now = today or timezone.now().date()
        if not 1 <= month <= 12:
            errors.add("expiry", "Enter the expiry date as MM/YY.")
        elif (year, month) < (now.year, now.month):
            errors.add("expiry", "This card has expired.")
        elif year > now.year + 20:
            errors.add("expiry", "This expiry date is too far in the future.")
    cvc_digits = (cvc or "").strip()
    if not re.fullmatch(r"[0-9]{3,4}", cvc_digits):
        errors.add("cvc", "Enter the 3 or 4 digits on the back of the card.")
    if not (name or "").strip():
        errors.add("name", "Enter the name on the card.")
    elif len(name) > 100:
        errors.add("name", "The name is too long.")
    errors.raise_if_any("Please check the card details.")
    behaviour = {DECLINE_CARD: "decline", AUTHENTICATION_CARD: "authenticate"}.get(digits, "succeed")
    return Card(brand=_brand(digits), last4=digits[-4:], behaviour=behaviour)


def page_payment(*, payment_id: str) -> TestGatewayPayment:
    """The payment behind a hosted-page URL; NotFound for an unknown id."""
    payment = _PAGE_PAYMENT.first(pk=payment_id) if len(payment_id) <= 40 else None
    if payment is None:
        raise NotFound("There is no such payment.")
    return payment


# Every hosted page and card form reads its payment: compiled once (core.compiled).
_PAGE_PAYMENT = CompiledRead(
    lambda pk: TestGatewayPayment.objects.filter(pk=pk).order_by()[:1], name="test provider's page payment"
)


def _card_outcome(card: Card) -> tuple[dict[str, str], str]:
    """What a checked card does to a payable payment: the fields it writes, and the event it sends."""
    if card.behaviour == "decline":
        # The card is not described: only a card that paid (or waits for its bank) is.
        return {"status": TestGatewayStatus.FAILED, "failure_code": "card_declined"}, EVENT_FAILED
    # Kept for the outcome when authentication is asked: the card has been checked, only the bank's answer is missing.
    described = {"failure_code": "", "card_brand": card.brand, "card_last4": card.last4}
    if card.behaviour == "authenticate":
        return {"status": TestGatewayStatus.REQUIRES_ACTION, **described}, EVENT_ACTION_REQUIRED
    return {"status": TestGatewayStatus.SUCCEEDED, **described}, EVENT_SUCCEEDED


# PAYABLE in a fixed order: the charge's SQL text and its parameters line up the same way every time.
_PAYABLE_ORDERED = tuple(sorted(PAYABLE))


@functools.cache
def _charge_sql(vendor: str, names: tuple[str, ...]) -> str:
    """The conditional charge UPDATE writing these columns (and updated_at): one text per outcome and
    database kind (quoting is the database's)."""
    quote = connection.ops.quote_name
    table = quote(TestGatewayPayment._meta.db_table)
    writes = ", ".join(f"{quote(name)} = %s" for name in (*names, "updated_at"))
    payable = ", ".join("%s" for _ in _PAYABLE_ORDERED)
    # Names from the model, every value a parameter.
    return (
        f"UPDATE {table} SET {writes} WHERE {quote('id')} = %s AND {quote('status')} IN ({payable}) "  # noqa: S608
        f"AND ({quote('expires_at')} IS NULL OR {quote('expires_at')} > %s)"
    )


def _charge(*, payment_id: str, fields: dict[str, str], now: datetime) -> bool:
    """Write the card's outcome if the payment is payable and not past its expiry; True if it was.

    What `TestGatewayPayment.objects.filter(pk=…, status__in=PAYABLE, expires_at…).update(…)`
    sends, written by hand like `_insert_new` (the ORM built it anew on each
    card, 3 % of the server's CPU at 32 buyers): values prepared by each
    field for this database, so SQLite gets its text timestamps.
    """
    model_fields = {field.attname: field for field in TestGatewayPayment._meta.concrete_fields}
    names = tuple(sorted(fields))
    params: list[Any] = [model_fields[name].get_db_prep_save(fields[name], connection) for name in names]
    params.append(model_fields["updated_at"].get_db_prep_save(now, connection))
    params.append(payment_id)
    params.extend(_PAYABLE_ORDERED)
    params.append(model_fields["expires_at"].get_db_prep_value(now, connection))
    with connection.cursor() as cursor:
        cursor.execute(_charge_sql(connection.vendor, names), params)
        return cursor.rowcount > 0


def card_submit(*, payment_id: str, card: Card, read: TestGatewayPayment | None = None) -> TestGatewayPayment:
    """Charge a checked card: succeeded, declined (still payable) or waiting for authentication.

    One conditional UPDATE charges the card only while the payment is
    payable (open, or declined before) and not past its expires_at; a
    double submit waits on the first one's row lock, then finds the payment
    no longer payable and charges nothing. A payment that succeeded, waits
    for authentication, expired or was cancelled is returned unchanged (an
    expiry the clock decided is written down first, under the row lock):
    nothing is charged. `read`: the payment as the caller (the hosted page)
    has just read it, returned updated instead of being read again.
    """
    if read is not None and read.pk != payment_id:
        raise ValueError("`read` is not the payment named")
    fields, event = _card_outcome(card)
    now = timezone.now()
    if _charge(payment_id=payment_id, fields=fields, now=now):
        payment = read if read is not None else page_payment(payment_id=payment_id)
        for name, value in fields.items():
            setattr(payment, name, value)
        payment.updated_at = now
        # Outside a transaction the charge is committed already: the event is queued at once.
        _event_later(payment, event)
        return payment
    with transaction.atomic():
        # Not charged: read it under its lock to say why (and write an expiry down).
        locked = TestGatewayPayment.objects.select_for_update().filter(pk=payment_id).first()
        if locked is None:
            raise NotFound("There is no such payment.")
        if _close_if_expired(locked) or locked.status not in PAYABLE:
            return locked
        # Payable again since the update looked (a failed authentication just finished): charged here.
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        _event_later(locked, event)
    return locked


def authentication_finish(*, payment_id: str, complete: bool) -> TestGatewayPayment:
    """The buyer's answer on the authentication page: success, or a failure that leaves the payment payable."""
    with transaction.atomic():
        payment = TestGatewayPayment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise NotFound("There is no such payment.")
        if _close_if_expired(payment) or payment.status != TestGatewayStatus.REQUIRES_ACTION:
            return payment
        if complete:
            payment.status = TestGatewayStatus.SUCCEEDED
            event = EVENT_SUCCEEDED
        else:
            payment.status = TestGatewayStatus.FAILED
            payment.failure_code = "authentication_failed"
            payment.card_brand = payment.card_last4 = ""
            event = EVENT_FAILED
        payment.save(update_fields=["status", "failure_code", "card_brand", "card_last4", "updated_at"])
        _event_later(payment, event)
    return payment


# --- webhooks ------------------------------------------------------------------------


def _event_later(payment: TestGatewayPayment, event_type: str, *, refund_id: str = "") -> None:
    """Queue the event's delivery once the outcome is committed (ids and codes only in the job)."""
    from shopwright.payments.tasks import testgateway_event_deliver_task

    event_id = _new_id("evt")
    created = int(time.time())
    failure_code = payment.failure_code if event_type == EVENT_FAILED else ""
    transaction.on_commit(
        lambda: testgateway_event_deliver_task(payment.id, event_id, event_type, created, failure_code, refund_id)
    )


def event_body(
    *, payment: TestGatewayPayment, event_id: str, event_type: str, created: int, failure_code: str, refund_id: str
) -> bytes:
    """The event as JSON; built the same on every delivery attempt, so a retry is the same event."""
    status = _EVENT_STATUS.get(event_type, payment.status)
    succeeded = status == TestGatewayStatus.SUCCEEDED
    data: dict[str, Any] = {
        "id": payment.id,
        "object": "payment",
        "status": status,
        "amount": _money_text(payment.amount),
        "currency": payment.currency,
        # A declined card is not described: only the card that paid is.
        "card_brand": payment.card_brand if succeeded else "",
        "card_last4": payment.card_last4 if succeeded else "",
        "failure_code": failure_code,
    }
    if refund_id:
        made = TestGatewayRefund.objects.filter(payment=payment, pk=refund_id).first()
        if made is not None:
            data["refund"] = _refund_json(made)
    return json.dumps({"id": event_id, "type": event_type, "created": created, "data": data}).encode()


def event_deliver(
    *, payment_id: str, event_id: str, event_type: str, created: int, failure_code: str = "", refund_id: str = ""
) -> str:
    """Sign and send one event to the payment's webhook_url; raises DeliveryFailed unless the store took it.

    Each attempt signs with the current time (as Stripe does), so a retry
    hours later is still within the store's tolerance.
    """
    payment = _PAGE_PAYMENT.first(pk=payment_id)
    if payment is None:
        return "gone"
    body = event_body(
        payment=payment,
        event_id=event_id,
        event_type=event_type,
        created=created,
        failure_code=failure_code,
        refund_id=refund_id,
    )
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.sign(body=body, secret=signing.webhook_secret(payment.account)),
    }
    if settings.TEST_GATEWAY_DELIVERY == DELIVERY_DIRECT:
        return _deliver_direct(url=payment.webhook_url, body=body, headers=headers)
    return _deliver_http(url=payment.webhook_url, body=body, headers=headers)


def _deliver_http(*, url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST the event. A `*.localhost` host is connected to 127.0.0.1 with its Host header kept,
    since not every resolver maps *.localhost to the loopback address."""
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    target = url
    local = hostname == "localhost" or hostname.endswith(".localhost")
    if local:
        headers = {**headers, "Host": parts.netloc}
        loopback = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        target = urlunsplit((parts.scheme, loopback, parts.path, parts.query, ""))
    request = urllib.request.Request(target, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    opener = _opener(loopback=local)
    try:
        with opener.open(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"webhook not delivered: {type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook answered {status}")
    return "delivered"


@functools.cache
def _opener(*, loopback: bool) -> urllib.request.OpenerDirector:
    """Built once per process (each build makes a dozen handlers): this machine is never reached through
    a proxy; other hosts follow the environment's proxy settings as read at the first delivery."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({})) if loopback else urllib.request.build_opener()


def _deliver_direct(*, url: str, body: bytes, headers: dict[str, str]) -> str:
    """Hand the signed event to the store's webhook service in-process, as its endpoint would.

    The store is found from the URL's host and the provider from its last
    path segment, as the host router and the API would find them.
    """
    from shopwright.core.tenancy import store_handle_from_host
    from shopwright.payments.providers.base import WebhookRejected
    from shopwright.payments.services import webhook_receive
    from shopwright.stores.selectors import store_for_custom_domain, store_for_handle

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    handle = store_handle_from_host(host)
    store = store_for_handle(handle=handle) if handle else store_for_custom_domain(hostname=host)
    if store is None:
        raise DeliveryFailed("webhook answered 404")
    provider_name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    try:
        return webhook_receive(store=store, provider_name=provider_name, body=body, headers=headers)
    except WebhookRejected:
        raise DeliveryFailed("webhook answered 400") from None
    except ApplicationError as exc:
        raise DeliveryFailed(f"webhook answered {exc.status_code}") from None
