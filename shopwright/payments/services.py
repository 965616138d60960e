"""Writes on payments: start a payment, apply what the provider says (webhook or fetch), refund.

No provider call is made inside a database transaction: each service
writes its intent in one short transaction, calls the provider with none
open, then applies the answer in another (the lesson of Saleor issue
#15139, where a slow provider held checkout's row locks for 30 s). Every
outgoing call carries an idempotency key stored with the intent, so a
retried call never makes a second payment or refund. A new order's first
attempt is that intent too, written in the transaction that places the
order (`order_place_for_payment`), so placing and starting a payment take
two transactions, not four.

Every service that calls a provider refuses to start inside a transaction
(`_outside_transaction`), so a caller that wraps one in `atomic()` fails at
once instead of holding its locks for as long as the provider takes.

What a provider says is applied by one function, `_apply_state`, whether
it came by webhook or by fetch: a payment only ever moves forward
(models.PAYMENT_MOVES), so a late "failed" never undoes a "succeeded", and
the order's services are called inside the transaction that holds the
payment's row lock.

Lock order, the same in every transaction here: the payment row first,
then its refunds, then the order (orders.services locks it; a success
locks the payment and its order in one statement, payment first, see
`_locked_payment`). Two writers that both need a payment and its order (a
refund asked for while the provider's refund webhook settles another)
then queue on the payment instead of each holding what the other waits
for. Row locks are taken `FOR NO KEY UPDATE`
(`select_for_update(no_key=True)`): on PostgreSQL it
does not block inserts of rows that reference the locked one (a refund or
an order event inserted by another transaction takes a key-share lock on
its payment and order, which FOR UPDATE would make wait).

One attempt per order may be payable at a time: an attempt whose provider
page still takes a card (waiting, needing authentication, or declined
with the page open for another card) is resumed, never doubled. A closed
attempt is closed at its provider too (`payment_close`, a job): when the
order stops waiting for payment, when the store changes provider, and
before a new attempt replaces one that reached the provider.

OWNER: helper "payments".
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone

from shopwright.catalog.money import currency_places
from shopwright.core.audit import Actor, audit_record
from shopwright.core.compiled import CompiledRead
from shopwright.core.compiled_writes import CompiledUpdate
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.links import store_url
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access
from shopwright.core.tokens import hash_secret_token
from shopwright.core.validation import FieldErrors
from shopwright.orders.events import order_event
from shopwright.orders.models import Order, OrderEventKind, OrderStatus
from shopwright.orders.services import (
    OrderPlaced,
    PaymentOutcome,
    order_cancel,
    order_cancel_check,
    order_payment_action_required,
    order_payment_failed,
    order_payment_succeeded,
    order_place,
    order_refund_applied,
    order_refundable,
)
from shopwright.payments import selectors
from shopwright.payments.display import NO_PAYMENT_PROVIDER
from shopwright.payments.models import (
    PAYMENT_MOVES,
    Payment,
    PaymentSettings,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from shopwright.payments.providers.base import (
    PaymentProvider,
    PaymentRequest,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
    WebhookRejected,
)
from shopwright.payments.providers.registry import provider_for, provider_named
from shopwright.privacy.datamap import Category
from shopwright.privacy.services import sharing_record
from shopwright.stores.selectors import store_by_id

if TYPE_CHECKING:
    from shopwright.checkout.models import Checkout
    from shopwright.stores.models import Store

logger = logging.getLogger(__name__)

# The actor of what a provider reports (as orders writes it).
PROVIDER = Actor("provider")
# Why a payment was given back without anyone asking: the order could not take it.
RETURNED_PAYMENT_REASON = "Returned automatically: the order could not take this payment."
# First automatic retry of a refund the provider did not answer; the job then backs off.
REFUND_RETRY_DELAY_SECONDS = 30
# The sweep picks up refunds unanswered for this long, while their key is still known to the provider.
STALE_REFUND_AFTER = timedelta(minutes=10)
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=20)
# A refund the provider accepted but has not settled is asked about after this long without its webhook.
UNSETTLED_REFUND_AFTER = timedelta(hours=1)
# The buyer's return page asks the provider at most this often per payment (it reloads every 5 s while
# waiting); in between, webhooks bring the news.
SYNC_INTERVAL_SECONDS = 10


class PaymentUnavailable(ApplicationError):
    """The provider could not be reached; the buyer may try again (nothing was charged twice)."""

    status_code = 503
    code = "provider_unavailable"


def webhook_path(provider_name: str) -> str:
    return f"/api/v1/payments/webhooks/{provider_name}"


def webhook_url(store: Store, provider_name: str) -> str:
    """Where a provider posts this store's events (the store's own host)."""
    return store_url(store, webhook_path(provider_name))


def _buyer(order: Order) -> Actor:
    return Actor(AuditEntry.ActorType.CUSTOMER, order.customer_id) if order.customer_id else Actor.anonymous()


def _new_key() -> str:
    return uuid.uuid4().hex


def _outside_transaction(what: str) -> None:
    """Refuse to call a provider with a transaction open: a slow provider would hold its locks.

    The transactions a test case wraps every test in do not count (Django's
    own check of durable atomic blocks makes the same exception), so a test
    still fails when the code under test opens one of its own.
    """
    connection = transaction.get_connection()
    blocks = connection.atomic_blocks
    if connection.in_atomic_block and (not blocks or not all(block._from_testcase for block in blocks)):
        raise RuntimeError(f"{what} must not run inside a transaction: it calls the payment provider")


def _locked_payment(*, store: Store, payment_id: int, lock_order: bool = False) -> Payment:
    """The payment under its row lock, with its order loaded but not locked (orders locks it, after).

    `lock_order=True` locks the order too, in the same statement (`FOR NO KEY
    UPDATE OF` both, the payment first: PostgreSQL takes the row locks in
    the order the OF list names them), for a caller that will pay the order
    (`_apply_state(order_locked=True)`): one statement instead of two, the
    module's lock order kept.
    """
    locked = _LOCKED_PAYMENT[lock_order].first(store_id=store.pk, pk=payment_id)
    if locked is None:
        raise NotFound("There is no such payment.")
    return locked


def _payment_lock(of: tuple[str, ...], *, by: str) -> CompiledRead[Payment]:
    """The payment found by `store_id` and the keyword arguments (`by` names them), locked with `of`.

    Compiled once: every payment's success and every webhook takes one, and
    building it through the ORM cost about 1 ms each time. The keys find one
    row at most (the primary key, or the provider's reference, unique per
    store and provider): no ORDER BY (Meta.ordering) needed.
    """
    return CompiledRead(
        lambda store_id, **key: (
            Payment.objects.select_for_update(of=of, no_key=True)
            .select_related("order")
            .filter(store_id=store_id, **key)
            .order_by()[:1]
        ),
        name=f"payment by {by} locked with {of}",
    )


# By `lock_order`: the payment alone, or the payment and its order (see _locked_payment).
_LOCKED_PAYMENT = {lock: _payment_lock(("self", "order") if lock else ("self",), by="id") for lock in (False, True)}
# The same by the provider's reference, for its webhooks.
_PAYMENT_BY_REFERENCE = {
    lock: _payment_lock(("self", "order") if lock else ("self",), by="reference") for lock in (False, True)
}


# --- starting a payment ---------------------------------------------------------------


def _order_not_payable() -> ApplicationError:
    return ApplicationError("This order can no longer be paid.", code="order_not_payable")


def _shared_categories(provider: PaymentProvider) -> list[Category]:
    """What create_payment hands over: the order's payment reference always, the email only if sent."""
    categories = [Category.PAYMENT_REFERENCE]
    if provider.sends_email:
        categories.append(Category.CONTACT)
    return categories


def order_payable(order: Order, *, now: datetime | None = None) -> bool:
    """Whether the order may be paid now: waiting for payment, with its hold on the stock still running.

    What payment_start checks (under the order's lock); pages ask it to offer "Pay now" or not.
    """
    return (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.reserved_until is not None
        and order.reserved_until > (now or timezone.now())
    )


def payment_return_url(*, store: Store, token: str) -> str:
    """The buyer's payment-return page of an order (its link secret in the path): where providers send them back."""
    return store_url(store, f"/orders/{token}/payment/")


def order_token_matches(order: Order, token: str) -> bool:
    """Whether `token` is the secret of the order's link (compared in constant time)."""
    return bool(token) and hmac.compare_digest(hash_secret_token(token), order.token_hash)


@dataclass(frozen=True)
class PlacedForPayment:
    """What `order_place_for_payment` did: the placement, and the payment attempt opened with it."""

    placed: OrderPlaced
    # Opened in the placing transaction; None when the order was placed before (a second click)
    # or costs nothing (payment_start pays it at once, with no provider).
    attempt: Payment | None


def order_place_for_payment(
    *, store: Store, checkout: Checkout, reviewed_signature: str, actor: Actor
) -> PlacedForPayment:
    """Place the order (orders.services.order_place) and open its first payment attempt in the same transaction.

    The attempt (the Payment row and its sharing record, `payment_attempt_open`)
    commits with the order or not at all; the provider is called afterwards,
    outside any transaction, by payment_start(attempt=...), which then skips
    what a new order cannot have (attempts to replace or resume) and the
    order's re-lock. Raises what order_place raises.
    """
    opened: list[Payment] = []

    def open_attempt(order: Order) -> None:
        attempt = payment_attempt_open(store=store, order=order)
        if attempt is not None:
            opened.append(attempt)

    placed = order_place(
        store=store, checkout=checkout, reviewed_signature=reviewed_signature, actor=actor, on_placed=open_attempt
    )
    return PlacedForPayment(placed=placed, attempt=opened[0] if opened else None)


def payment_attempt_open(*, store: Store, order: Order) -> Payment | None:
    """The first payment attempt of an order placed in the caller's transaction; None if it costs nothing.

    Must run inside the transaction that placed `order` (orders.services.order_place's
    `on_placed`): that transaction holds the order, which nobody else can see
    yet, so it has no other attempt and no lock to take. Writes the Payment
    (status created, a new idempotency key) and the sharing record, as
    payment_start does for an order without a payable attempt. An order
    with nothing to pay gets none here: payment_start pays it with no provider.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_attempt_open runs in the transaction that places the order")
    if order.total <= 0:
        return None
    return _attempt_create(store=store, order=order, provider=provider_for(store))


def _attempt_create(*, store: Store, order: Order, provider: PaymentProvider) -> Payment:
    """A new attempt at `provider` for the order (locked, or just placed, by the caller) and its sharing record."""
    payment = Payment.objects.create(
        store=store,
        order=order,
        provider=provider.name,
        idempotency_key=_new_key(),
        amount=order.total,
        currency=order.currency,
        status=PaymentStatus.CREATED,
    )
    sharing_record(
        store=store,
        recipient=provider.display_name,
        purpose=f"collect the payment of order #{order.number}",
        categories=_shared_categories(provider),
        order=order,
    )
    return payment


def payment_resume(*, store: Store, order: Order, token: str = "", attempt: Payment | None = None) -> Payment | None:
    """The payment to send the buyer of a just-placed order to, or None when there is none to give.

    With the order's link secret (the answer that placed the order has it;
    a retry after "provider unreachable" posts it back), the payment is
    started or resumed (payment_start, with the return page of that link;
    `attempt`: the one opened with the order, see order_place_for_payment).
    Without it (a second click whose first answer took the secret), only
    the attempt the first click opened is given, so its page is reached
    again and nothing new is started. Raises payment_start's errors (only
    with the secret): PaymentUnavailable, ApplicationError `order_not_payable`.
    """
    if order_token_matches(order, token) and order.status == OrderStatus.PENDING_PAYMENT:
        return_url = payment_return_url(store=store, token=token)
        return payment_start(store=store, order=order, return_url=return_url, attempt=attempt)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return None
    payment = selectors.open_payment(store=store, order=order)
    return payment if payment is not None and payment.redirect_url else None


def payment_start(*, store: Store, order: Order, return_url: str, attempt: Payment | None = None) -> Payment:
    """Start (or resume) collecting an order pending payment; the buyer is then sent to `redirect_url`.

    The order's payable attempt (selectors.open_payment: waiting, needing
    authentication, or declined while its page takes another card) is
    returned as it is, so a double click or "Try again" never makes a
    second payable attempt; an attempt whose create call is still in flight
    (no redirect yet) is created again with its own idempotency key, which
    the provider answers with the same payment. Attempts that reached the
    provider but can no longer be resumed (another provider's, since the
    store switched) are closed first, there too. Records the hand-over in
    the sharing ledger. An order with nothing to pay is paid at once, with
    no provider (see `_pay_nothing`). Must run outside any transaction.
    Raises PaymentUnavailable, ApplicationError (order not payable).

    A failed create marks its attempt failed; the next try makes a new
    attempt with a new key. Whatever the failed call may have created at
    the provider was never shown to the buyer, so nothing can be paid
    through it, and it expires there with the order's hold.

    `attempt`: the attempt opened in the transaction that placed `order`
    (order_place_for_payment; `order` is then the instance that placement
    returned): it is created at its provider at once, with no read or lock
    first, since a new order has nothing to replace, resume or re-check.
    """
    _outside_transaction("payment_start")
    if attempt is not None:
        if attempt.order_id != order.pk:
            raise ValueError("the attempt is not one of this order's")
        provider = provider_named(store, attempt.provider)
        payment = _create_at_provider(
            store=store, order=order, payment=attempt, provider=provider, return_url=return_url
        )
    else:
        payment = _start(store=store, order=order, return_url=return_url)
    if payment.status == PaymentStatus.CANCELLED:
        # Closed while its create call was in flight (the store switched provider): close it at its
        # provider too, and start once more with the store's provider now.
        _close_later(store=store, payment_ids=[payment.pk])
        payment = _start(store=store, order=order, return_url=return_url)
    return payment


def _start(*, store: Store, order: Order, return_url: str) -> Payment:
    provider = provider_for(store)
    _close_replaced_attempts(store=store, order=order, provider_name=provider.name)
    with transaction.atomic():
        try:
            locked = Order.objects.select_for_update(no_key=True).get(store=store, pk=order.pk)
        except Order.DoesNotExist:
            raise NotFound("There is no such order.") from None
        if not order_payable(locked):
            raise _order_not_payable()
        if locked.total <= 0:
            # The caller's `order` is passed on so that it reads "paid" afterwards, as the order does.
            return _pay_nothing(store=store, order=order, locked=locked, return_url=return_url)
        payment = selectors.open_payment(store=store, order=locked)
        if payment is not None and payment.provider != provider.name:
            payment = None  # switched provider meanwhile: a new attempt; the job closes the old one
        if payment is not None and payment.redirect_url:
            return payment
        if payment is None:
            payment = _attempt_create(store=store, order=locked, provider=provider)
    return _create_at_provider(store=store, order=locked, payment=payment, provider=provider, return_url=return_url)


def _create_at_provider(
    *, store: Store, order: Order, payment: Payment, provider: PaymentProvider, return_url: str
) -> Payment:
    """Create the attempt at its provider (outside any transaction) and record the answer; returns the payment.

    `order` is the order as read when the attempt was opened (number, email, hold).
    Raises PaymentUnavailable (the attempt is marked failed).
    """
    request = PaymentRequest(
        amount=payment.amount,
        currency=payment.currency,
        description=f"#{order.number} at {store.name}",
        order_reference=str(order.number),
        return_url=return_url,
        webhook_url=webhook_url(store, provider.name),
        idempotency_key=payment.idempotency_key,
        email=order.email if provider.sends_email else "",
        order_id=order.pk,
        store_id=store.pk,
        # The provider's page closes when the order's hold on the stock ends: no payment after it.
        expires_at=order.reserved_until,
        created_at=payment.created_at,
    )
    try:
        answer = provider.create_payment(request)
    except ProviderError as exc:
        _start_failed(store=store, payment=payment, exc=exc)
        if exc.retryable:
            message = "The payment provider cannot be reached just now. Please try again in a moment."
        else:
            message = "The payment provider refused to start this payment. Please contact the store."
        raise PaymentUnavailable(message) from None
    if _answer_record_new(store=store, order=order, payment=payment, answer=answer):
        return payment
    with transaction.atomic():
        payment = _locked_payment(store=store, payment_id=payment.pk)
        first_answer = not payment.reference
        fields = []
        if first_answer:
            payment.reference = answer.reference
            fields.append("reference")
        if answer.redirect_url and not payment.redirect_url:
            payment.redirect_url = answer.redirect_url
            fields.append("redirect_url")
        if fields:
            payment.save(update_fields=[*fields, "updated_at"])
        if first_answer:
            _payment_started(order=payment.order, payment=payment)
        # A key already used (the create call was repeated) may answer a payment that moved on.
        _apply_state(store=store, payment=payment, state=answer)
    return payment


def _payment_started(*, order: Order, payment: Payment) -> None:
    """The order's "payment started" entry: the provider answered the attempt's create call for the first time."""
    order_event(
        order=order,
        kind=OrderEventKind.PAYMENT_STARTED,
        actor=_buyer(order),
        data={
            "payment_id": payment.pk,
            "provider": payment.provider,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )


# The attempt still waits for its first answer (_answer_record_new), built once (core.compiled_writes).
_FIRST_ANSWER = CompiledUpdate(
    lambda store_id, pk: Payment.objects.filter(
        store_id=store_id, pk=pk, status=PaymentStatus.CREATED, reference="", redirect_url=""
    ),
    name="payment's first answer",
)


def _answer_record_new(*, store: Store, order: Order, payment: Payment, answer: ProviderPayment) -> bool:
    """Record the usual first answer to a create call without reading the attempt first; True if it was.

    The usual answer is a new payment waiting for the buyer (status created,
    nothing else to apply). One conditional UPDATE writes its reference and
    page on the attempt only while nobody has recorded an answer and the
    attempt is still waiting (its row lock orders it with a concurrent
    answer to the same key: the second finds the reference set), and the
    "payment started" entry goes in the same transaction. Anything else
    (an answer that moved on, an attempt closed meanwhile, an answer
    already recorded) returns False, for the locked path of `_create_at_provider`.
    """
    if answer.status != PaymentStatus.CREATED or answer.charge_reference or not answer.reference:
        return False
    now = timezone.now()
    with transaction.atomic():
        recorded = _FIRST_ANSWER.run(
            {"reference": answer.reference, "redirect_url": answer.redirect_url, "updated_at": now},
            store_id=store.pk,
            pk=payment.pk,
        )
        if recorded:
            _payment_started(order=order, payment=payment)
    if recorded:
        payment.reference, payment.redirect_url, payment.updated_at = answer.reference, answer.redirect_url, now
    return bool(recorded)


def _pay_nothing(*, store: Store, order: Order, locked: Order, return_url: str) -> Payment:
    """An order that costs nothing (free items, free shipping) is paid at once: no provider is asked.

    Providers refuse amounts of zero, and there is nothing to collect: a
    payment of 0 by the "none" provider records it (its page is the order's
    confirmation, `return_url`), and the order is paid through the same
    orders service as any payment, in the caller's transaction (which holds
    the order's lock, `locked`). Nothing is handed to anyone: no sharing record.
    """
    payment = Payment.objects.create(
        store=store,
        order=locked,
        provider=NO_PAYMENT_PROVIDER,
        idempotency_key=_new_key(),
        amount=locked.total,
        currency=locked.currency,
        status=PaymentStatus.SUCCEEDED,
        redirect_url=return_url,
    )
    order_payment_succeeded(store=store, order=order, payment=payment)
    return payment


def _close_replaced_attempts(*, store: Store, order: Order, provider_name: str) -> None:
    """Close the order's attempts that reached a provider but will not be resumed, before a new one starts.

    Each is marked cancelled in its own short transaction (payment lock
    first, as everywhere), then closed at its provider by a job, so its
    page cannot take a second payment beside the new attempt's.
    """
    replaced = selectors.attempts_to_replace(store=store, order=order, provider_name=provider_name)
    closed = [pk for pk in replaced if _mark_closed(store=store, payment_id=pk, code="replaced")]
    _close_later(store=store, payment_ids=closed)


def _mark_closed(*, store: Store, payment_id: int, code: str) -> bool:
    """Mark an unfinished attempt cancelled (nothing more is taken through it); True if it was unfinished."""
    with transaction.atomic():
        payment = _locked_payment(store=store, payment_id=payment_id)
        if payment.status not in selectors.UNFINISHED_STATUSES:
            return False
        payment.status = PaymentStatus.CANCELLED
        payment.failure_code = code[:64]
        payment.save(update_fields=["status", "failure_code", "updated_at"])
    return True


def _close_later(*, store: Store, payment_ids: list[int]) -> None:
    """Queue the closing of these attempts at their providers once the caller's transaction commits."""
    from shopwright.payments.tasks import payment_close_task

    store_id = store.pk

    def close(payment_id: int) -> Callable[[], object]:
        return lambda: payment_close_task(store_id, payment_id)

    for payment_id in payment_ids:
        transaction.on_commit(close(payment_id))


def _start_failed(*, store: Store, payment: Payment, exc: ProviderError) -> None:
    code = "provider_unavailable" if exc.retryable else (exc.code or "provider_refused")[:64]
    logger.warning("payment #%s at %s not started: %s", payment.pk, payment.provider, code)
    with transaction.atomic():
        locked = _locked_payment(store=store, payment_id=payment.pk)
        # Only an attempt nobody heard back about: a concurrent create with the same key may have succeeded.
        if locked.status == PaymentStatus.CREATED and not locked.reference:
            locked.status = PaymentStatus.FAILED
            locked.failure_code = code
            locked.save(update_fields=["status", "failure_code", "updated_at"])


# --- applying what the provider says ------------------------------------------------


def _moves(current: str, new: str) -> bool:
    """Whether a provider's `new` status moves a payment on from `current` (models.PAYMENT_MOVES).

    A word no provider should send moves nothing.
    """
    try:
        return PaymentStatus(new) in PAYMENT_MOVES.get(PaymentStatus(current), frozenset())
    except ValueError:
        return False


def _note(payment: Payment, code: str, actor: Actor = PROVIDER) -> None:
    """A line on the order's timeline about this payment (the merchant reads `code` with spaces)."""
    order_event(
        order=payment.order,
        kind=OrderEventKind.NOTE,
        actor=actor,
        data={
            "code": code,
            "payment_id": payment.pk,
            "provider": payment.provider,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )


def _amount_differs(payment: Payment, state: ProviderPayment) -> bool:
    """Whether the provider reports another amount or currency than the attempt asked for."""
    if state.amount is not None and state.amount != payment.amount:
        return True
    return bool(state.currency) and state.currency.upper() != payment.currency.upper()


def _apply_state(*, store: Store, payment: Payment, state: ProviderPayment, order_locked: bool = False) -> bool:
    """Apply a provider's view of a payment (the caller holds the payment's row lock); True if it moved.

    `order_locked`: the caller locked `payment.order` too (`_locked_payment(lock_order=True)`),
    so paying it does not read it again.

    Details only fill in what is missing (a fetch after the webhook adds the
    card); the status moves only forward, and each move tells the order once.
    A success whose amount or currency is not what the attempt asked for is
    not applied (the order is not paid; a note says "amount mismatch" for a
    person to check at the provider). A success on an attempt already closed
    here (the store switched provider, or the attempt was replaced) slipped
    through the closing: the money is returned automatically, with a note,
    and the order is not touched.
    """
    fields: list[str] = []
    if state.charge_reference and not payment.charge_reference:
        payment.charge_reference = state.charge_reference[:255]
        fields.append("charge_reference")
    succeeded = state.status == PaymentStatus.SUCCEEDED
    if succeeded and _amount_differs(payment, state):
        logger.warning(
            "payment #%s at %s reported paid with another amount or currency: not applied",
            payment.pk,
            payment.provider,
        )
        if payment.status != PaymentStatus.SUCCEEDED and payment.failure_code != "amount_mismatch":
            payment.failure_code = "amount_mismatch"
            payment.save(update_fields=[*fields, "failure_code", "updated_at"])
            _note(payment, "amount_mismatch")
        elif fields:
            payment.save(update_fields=[*fields, "updated_at"])
        return False
    if succeeded and state.card_last4 and not payment.card_last4:
        payment.card_brand, payment.card_last4 = state.card_brand[:20], state.card_last4[-4:]
        fields += ["card_brand", "card_last4"]
    moved = _moves(payment.status, state.status)
    closed_here = payment.status == PaymentStatus.CANCELLED
    if moved:
        payment.status = state.status
        if state.status == PaymentStatus.FAILED:
            payment.failure_code = (state.failure_code or "declined")[:64]
        elif state.status == PaymentStatus.CANCELLED:
            payment.failure_code = (state.failure_code or "expired")[:64]
        else:
            payment.failure_code = ""
        fields += ["status", "failure_code"]
    if fields:
        payment.save(update_fields=[*fields, "updated_at"])
    if not moved:
        return False
    order = payment.order
    if payment.status == PaymentStatus.SUCCEEDED and closed_here:
        logger.warning("payment #%s at %s paid after it was closed: returned", payment.pk, payment.provider)
        _note(payment, "paid_after_closing")
        _return_payment_later(store=store, payment=payment)
    elif payment.status == PaymentStatus.SUCCEEDED:
        outcome = order_payment_succeeded(store=store, order=order, payment=payment, order_locked=order_locked)
        if outcome is PaymentOutcome.REFUND_NEEDED:
            _return_payment_later(store=store, payment=payment)
    elif payment.status == PaymentStatus.FAILED:
        order_payment_failed(store=store, order=order, payment=payment)
    elif payment.status == PaymentStatus.ACTION_REQUIRED:
        order_payment_action_required(store=store, order=order, payment=payment)
    return True


def _return_payment_later(*, store: Store, payment: Payment) -> None:
    """Money the order cannot take (paid twice, or the stock went): give it back by a job after commit."""
    from shopwright.payments.tasks import payment_return_task

    order_event(
        order=payment.order,
        kind=OrderEventKind.REFUND_REQUESTED,
        actor=Actor.system(),
        data={
            "payment_id": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "automatic": True,
        },
    )
    store_id, payment_id = store.pk, payment.pk
    transaction.on_commit(lambda: payment_return_task(store_id, payment_id))


def payment_sync(*, store: Store, payment: Payment) -> Payment:
    """Ask the provider for the payment's state and apply it (the buyer's return page does this).

    Runs outside any transaction (it calls the provider). A provider that
    cannot be reached leaves the payment as it was: the webhook will come.
    The provider is asked at most once every SYNC_INTERVAL_SECONDS per
    payment, however often the page is loaded (it reloads itself while
    waiting, and a buyer may keep reloading): in between, the payment is
    returned as the webhooks left it.

    The payment returned carries its order as it is now (`payment.order`):
    read under the lock when the provider was asked, else the one the
    caller's payment came with. A success locks the payment and its order
    in one statement, and the order is paid from that row.
    """
    _outside_transaction("payment_sync")
    if not payment.reference or (payment.status == PaymentStatus.SUCCEEDED and payment.card_last4):
        return payment  # nothing to ask, or nothing more to learn
    if not cache.add(f"payments:sync:{store.pk}:{payment.pk}", 1, timeout=SYNC_INTERVAL_SECONDS):
        return payment  # asked a moment ago
    provider = provider_named(store, payment.provider)
    try:
        state = provider.fetch_payment(payment.reference)
    except ProviderError as exc:
        logger.warning("payment #%s at %s not fetched: %s", payment.pk, payment.provider, exc.code or "unreachable")
        return payment
    paying = state.status == PaymentStatus.SUCCEEDED
    with transaction.atomic():
        locked = _locked_payment(store=store, payment_id=payment.pk, lock_order=paying)
        _apply_state(store=store, payment=locked, state=state, order_locked=paying)
    return locked


def _payment_for_event(
    *, store: Store, provider_name: str, state: ProviderPayment, lock_order: bool = False
) -> Payment | None:
    """The event's payment under its row lock (with its order's too if `lock_order`, see `_locked_payment`)."""
    if state.reference:
        return _PAYMENT_BY_REFERENCE[lock_order].first(
            store_id=store.pk, provider=provider_name, reference=state.reference
        )
    if state.charge_reference:
        of = ("self", "order") if lock_order else ("self",)
        return (
            Payment.objects.select_for_update(of=of, no_key=True)
            .select_related("order")
            .filter(store=store, provider=provider_name, charge_reference=state.charge_reference)
            .first()
        )
    return None


# The event's id recorded in the event's own transaction: a row returned means it is new, none that it
# was applied before (or is being applied by a delivery that got there first: the unique index makes
# this insert wait for that one's commit). One statement, where the ORM's create() needed a savepoint
# around it to survive the IntegrityError of a duplicate (three statements). RETURNING and ON
# CONFLICT need SQLite 3.35 or PostgreSQL 9.5.
_WEBHOOK_EVENT_SQL = """
    INSERT INTO payments_webhookevent (store_id, provider, event_id, event_type, received_at)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (store_id, provider, event_id) DO NOTHING
    RETURNING id
"""


def _webhook_event_record(*, store: Store, provider_name: str, event: ProviderEvent) -> bool:
    """Record the event as applied; False if it already was (a duplicate or a replay)."""
    received_at = WebhookEvent._meta.get_field("received_at")
    assert isinstance(received_at, Field)
    values = [
        store.pk,
        provider_name,
        event.event_id[:255],
        event.event_type[:100],
        received_at.get_db_prep_save(timezone.now(), connection),  # as the ORM would store it (SQLite: text)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_WEBHOOK_EVENT_SQL, values)
        return cursor.fetchone() is not None


def webhook_receive(*, store: Store, provider_name: str, body: bytes, headers: Mapping[str, str], ip: str = "") -> str:
    """Verify and apply one provider event at most once; returns "applied", "duplicate" or "ignored".

    Raises WebhookRejected (bad signature or stale timestamp: the caller
    answers 400) after writing an audit entry; changes nothing else.
    Raises NotFound for a provider name that is none.

    An event about a payment this store does not know is "ignored" and not
    recorded, so a redelivery after the payment exists is still applied.
    """
    provider = provider_named(store, provider_name)
    try:
        event = provider.parse_webhook(body=body, headers=headers)
    except WebhookRejected as exc:
        audit_record(
            action="payment.webhook_rejected",
            actor=Actor.anonymous(),
            store=store,
            ip=ip,
            details={"provider": provider.name, "reason": exc.reason},
        )
        logger.warning("%s webhook for store #%s rejected: %s", provider.name, store.pk, exc.reason)
        raise
    if event.payment is None:
        logger.info(
            "%s webhook %s (%s) for store #%s: not about a payment",
            provider.name,
            event.event_id,
            event.event_type,
            store.pk,
        )
        return "ignored"
    # A payment's success pays its order: both are locked at once (payment first). A refund's event
    # keeps the module's order (payment, its refunds, then the order), so it locks the payment alone.
    paying = event.payment.status == PaymentStatus.SUCCEEDED and event.refund is None
    with transaction.atomic():
        payment = _payment_for_event(store=store, provider_name=provider.name, state=event.payment, lock_order=paying)
        if payment is None:
            logger.info(
                "%s webhook %s (%s) for store #%s names no known payment: ignored",
                provider.name,
                event.event_id,
                event.event_type,
                store.pk,
            )
            return "ignored"
        if not _webhook_event_record(store=store, provider_name=provider.name, event=event):
            return "duplicate"
        if event.refund is not None and event.refund.reference:
            _refund_event(store=store, payment=payment, answer=event.refund)
        _apply_state(store=store, payment=payment, state=event.payment, order_locked=paying)
    return "applied"


def _refund_event(*, store: Store, payment: Payment, answer: ProviderRefund) -> None:
    """A provider confirming a refund we asked for and that was still pending (the payment is locked)."""
    refund = (
        Refund.objects.select_for_update(no_key=True)
        .filter(store=store, payment=payment, reference=answer.reference, status=RefundStatus.PENDING)
        .first()
    )
    if refund is not None:
        _refund_settle(store=store, payment=payment, refund=refund, answer=answer)


# --- refunds ---------------------------------------------------------------------------


def refund_create(*, store: Store, order: Order, amount: Decimal, reason: str, actor: Actor) -> Refund:
    """Refund part or all of an order's paid amount through the provider.

    Raises ApplicationError for an amount <= 0 or above what is refundable,
    PaymentUnavailable when the provider cannot be reached (the refund stays
    pending and a job retries it with the same key, so it is never made twice).
    """
    places = currency_places(order.currency)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ApplicationError.for_field("amount", "Enter an amount above zero.", code="invalid_amount")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ApplicationError.for_field(
            "amount", f"Use at most {places} decimal places for {order.currency}.", code="invalid_amount"
        )
    reason = " ".join((reason or "").split())[:200]
    current = Order.objects.filter(store=store, pk=order.pk).first()
    if current is None:
        raise NotFound("There is no such order.")
    paying = selectors.paying_payment(store=store, order=current)
    if paying is None:
        raise ApplicationError("This order has no payment to refund.", code="not_refundable")
    with transaction.atomic():
        # The payment first, then the order (the module's lock order), both read again under their locks.
        payment = _locked_payment(store=store, payment_id=paying.pk)
        locked = Order.objects.select_for_update(no_key=True).get(store=store, pk=current.pk)
        if selectors.paying_payment(store=store, order=locked) != payment:
            raise ApplicationError("This order has no payment to refund.", code="not_refundable")
        pending = selectors.pending_refund_total(store=store, payment=payment)
        available = min(order_refundable(locked), payment.amount - payment.refunded_amount) - pending
        if amount > available:
            message = (
                f"At most {available} {locked.currency} can be refunded."
                if available > 0
                else "Nothing is left to refund on this order."
            )
            raise ApplicationError.for_field("amount", message, code="refund_too_large")
        refund = Refund.objects.create(
            store=store,
            payment=payment,
            order=locked,
            amount=amount,
            reason=reason,
            idempotency_key=_new_key(),
            actor_type=actor.type,
            actor_id=actor.id,
        )
        order_event(
            order=locked,
            kind=OrderEventKind.REFUND_REQUESTED,
            actor=actor,
            data={"refund_id": refund.pk, "payment_id": payment.pk, "amount": str(amount), "currency": locked.currency},
        )
        audit_record(
            action="payment.refund_requested",
            actor=actor,
            store=store,
            obj=refund,
            details={"order": locked.number, "amount": str(amount), "currency": locked.currency},
        )
    try:
        return refund_send(store=store, refund_id=refund.pk)
    except ProviderError:
        _refund_retry_later(store=store, refund=refund)
        raise PaymentUnavailable(
            "The payment provider cannot be reached just now. The refund is recorded and will be retried automatically."
        ) from None


@dataclass(frozen=True)
class CancelWithRefund:
    """What `order_cancel_with_refund` did: the order as it is now, the refund it asked for (if any)."""

    order: Order
    refund: Refund | None
    # False when the refund is not settled yet (pending at the provider, or refused): nothing is cancelled.
    cancelled: bool


def order_cancel_with_refund(*, store: Store, order: Order, actor: Actor, reason: str = "") -> CancelWithRefund:
    """Cancel an order (which restocks it); a paid one is first refunded whatever is left to refund.

    Not one transaction, on purpose: the refund goes to the provider with no
    transaction open (see the module docstring), then orders.services.order_cancel
    runs in its own. A shipped order is refused before any money moves
    (ApplicationError `invalid_transition`). When the refund is not settled
    at once (the provider confirms it later, or refused it), the order is
    left as it is and `cancelled` is False: cancel it again once the refund
    is confirmed (what is refunded then is only what is left, so nothing is
    refunded twice). Raises PaymentUnavailable when the provider cannot be
    reached (the refund is recorded and retried; the order is not cancelled),
    NotFound for another store's order, and order_cancel's errors.
    """
    current = Order.objects.filter(store=store, pk=order.pk).first()
    if current is None:
        raise NotFound("There is no such order.")
    refund = None
    if current.status != OrderStatus.CANCELLED:
        order_cancel_check(store=store, order=current)
        refundable = order_refundable(current)
        paid = Payment.objects.filter(store=store, order=current, status=PaymentStatus.SUCCEEDED).exists()
        if paid and current.status != OrderStatus.PENDING_PAYMENT and refundable > 0:
            refund = refund_create(
                store=store, order=current, amount=refundable, reason=reason or "Order cancelled", actor=actor
            )
            if refund.status != RefundStatus.SUCCEEDED:
                # The refund's request is on the order's timeline; its totals move only once it is confirmed.
                current = Order.objects.get(store=store, pk=current.pk)
                return CancelWithRefund(order=current, refund=refund, cancelled=False)
    cancelled = order_cancel(store=store, order=current, actor=actor, reason=reason)
    # Its provider pages must take no money now (the periodic sweep would close them within a minute).
    _close_later(store=store, payment_ids=selectors.unfinished_attempt_ids(store=store, order=cancelled))
    return CancelWithRefund(order=cancelled, refund=refund, cancelled=True)


def _refund_retry_later(*, store: Store, refund: Refund) -> None:
    """Queue a retry of the refund once whatever transaction is open commits (at once when none is)."""
    from shopwright.payments.tasks import refund_retry_task

    args = (store.pk, refund.pk)
    transaction.on_commit(lambda: refund_retry_task.schedule(args, delay=REFUND_RETRY_DELAY_SECONDS))


def refund_send(*, store: Store, refund_id: int) -> Refund:
    """Ask the provider for a pending refund (with its own idempotency key) and apply the answer.

    Outside any transaction. Raises ProviderError when the provider could not
    be reached (the refund stays pending; repeating this is safe); a refusal
    marks the refund failed. A refund no longer pending is returned as is.
    """
    _outside_transaction("refund_send")
    refund = Refund.objects.select_related("payment").filter(store=store, pk=refund_id).first()
    if refund is None:
        raise NotFound("There is no such refund.")
    if refund.status != RefundStatus.PENDING or refund.reference:
        # Settled, or accepted by the provider and waiting there: its webhook settles it.
        return refund
    payment = refund.payment
    provider = provider_named(store, payment.provider)
    try:
        answer = provider.refund(
            reference=payment.reference,
            charge_reference=payment.charge_reference,
            amount=refund.amount,
            currency=payment.currency,
            idempotency_key=refund.idempotency_key,
        )
    except ProviderError as exc:
        if exc.retryable:
            logger.warning("refund #%s at %s not answered; will retry", refund.pk, payment.provider)
            raise
        answer = ProviderRefund(reference="", status=RefundStatus.FAILED, failure_code=exc.code or "refused")
    with transaction.atomic():
        locked_payment = _locked_payment(store=store, payment_id=payment.pk)
        locked = Refund.objects.select_for_update(no_key=True).get(store=store, pk=refund.pk)
        if locked.status == RefundStatus.PENDING:
            _refund_settle(store=store, payment=locked_payment, refund=locked, answer=answer)
    return locked


def _refund_settle(*, store: Store, payment: Payment, refund: Refund, answer: ProviderRefund) -> None:
    """Record the provider's answer on a pending refund (payment and refund are locked by the caller)."""
    fields = ["status", "updated_at"]
    if answer.reference and not refund.reference:
        refund.reference = answer.reference[:255]
        fields.append("reference")
    if answer.status == RefundStatus.SUCCEEDED:
        refund.status = RefundStatus.SUCCEEDED
        refund.save(update_fields=fields)
        payment.refunded_amount += refund.amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
        order_refund_applied(store=store, order=payment.order, refund=refund)
    elif answer.status == RefundStatus.FAILED:
        refund.status = RefundStatus.FAILED
        refund.failure_code = (answer.failure_code or "refused")[:64]
        refund.save(update_fields=[*fields, "failure_code"])
        order_event(
            order=payment.order,
            kind=OrderEventKind.REFUND_FAILED,
            actor=PROVIDER,
            data={"refund_id": refund.pk, "amount": str(refund.amount), "failure_code": refund.failure_code},
        )
    elif len(fields) > 2:
        # Accepted but not settled yet (some methods take days): its webhook will settle it.
        refund.save(update_fields=["reference", "updated_at"])


def refunds_resend_stale(*, now: datetime | None = None, batch: int = 50) -> int:
    """Ask again for refunds the provider never answered (a crash, or every retry used up); returns how many.

    The periodic sweep. Only refunds without a provider reference are sent
    (one with a reference was accepted and waits for its webhook), with
    their own idempotency key, and only while the provider still remembers
    that key (Stripe keeps keys for 24 hours): an older one is logged for a
    person to check at the provider, since sending it again could refund twice.
    """
    now = now or timezone.now()
    with cross_store_access("the refund sweep resends every store's unanswered refunds"):
        stale = Refund.objects.filter(
            status=RefundStatus.PENDING, reference="", updated_at__lt=now - STALE_REFUND_AFTER
        ).order_by("updated_at", "id")
        rows = list(stale.values_list("store_id", "pk", "created_at")[:batch])
    sent = 0
    for store_id, refund_id, created_at in rows:
        if created_at < now - IDEMPOTENCY_KEY_LIFETIME:
            logger.warning(
                "refund #%s of store #%s unanswered for a day: check it at the provider", refund_id, store_id
            )
            Refund.objects.filter(store_id=store_id, pk=refund_id).update(updated_at=now)
            continue
        store = store_by_id(store_id=store_id)
        if store is None:
            continue
        try:
            refund_send(store=store, refund_id=refund_id)
        except ProviderError:
            # Still unreachable: the next sweep tries again (updated_at moves it to the back).
            Refund.objects.filter(store=store, pk=refund_id).update(updated_at=now)
        sent += 1
    return sent


def refunds_settle_unsettled(*, now: datetime | None = None, batch: int = 50) -> int:
    """Ask the provider about refunds it accepted but whose settling webhook never came; returns how many.

    The periodic sweep behind the webhooks: a refund pending with a provider
    reference (accepted, e.g. Stripe's "pending") for over an hour is
    fetched (provider.fetch_refund) and settled as the provider says. One
    still pending there is looked at again an hour later.
    """
    now = now or timezone.now()
    with cross_store_access("the refund sweep asks about every store's unsettled refunds"):
        due = Refund.objects.filter(status=RefundStatus.PENDING, updated_at__lt=now - UNSETTLED_REFUND_AFTER).exclude(
            reference=""
        )
        rows = list(due.order_by("updated_at", "id").values_list("store_id", "pk")[:batch])
    asked = 0
    for store_id, refund_id in rows:
        store = store_by_id(store_id=store_id)
        if store is None:
            continue
        try:
            refund_settle_from_provider(store=store, refund_id=refund_id)
        except ProviderError as exc:
            logger.warning("refund #%s of store #%s not fetched: %s", refund_id, store_id, exc.code or "unreachable")
        # Asked (or tried): back of the queue until the next hour.
        Refund.objects.filter(store=store, pk=refund_id, status=RefundStatus.PENDING).update(updated_at=now)
        asked += 1
    return asked


def refund_settle_from_provider(*, store: Store, refund_id: int) -> Refund:
    """Fetch a pending refund's state from its provider and settle it if the provider has. Raises ProviderError.

    Outside any transaction (it calls the provider).
    """
    _outside_transaction("refund_settle_from_provider")
    refund = Refund.objects.select_related("payment").filter(store=store, pk=refund_id).first()
    if refund is None:
        raise NotFound("There is no such refund.")
    if refund.status != RefundStatus.PENDING or not refund.reference:
        return refund
    answer = provider_named(store, refund.payment.provider).fetch_refund(refund.reference)
    with transaction.atomic():
        locked_payment = _locked_payment(store=store, payment_id=refund.payment_id)
        locked = Refund.objects.select_for_update(no_key=True).get(store=store, pk=refund.pk)
        if locked.status == RefundStatus.PENDING and answer.status != RefundStatus.PENDING:
            _refund_settle(store=store, payment=locked_payment, refund=locked, answer=answer)
    return locked


def payment_return(*, store: Store, payment_id: int) -> Refund | None:
    """Give back in full a payment the order could not take (the job after REFUND_NEEDED).

    Idempotent: the refund is created once (found again by its reason) and
    sent with its own key. Raises ProviderError while the provider cannot
    be reached, so the job retries.
    """
    with transaction.atomic():
        payment = _locked_payment(store=store, payment_id=payment_id)
        if payment.status != PaymentStatus.SUCCEEDED:
            return None
        refund = Refund.objects.filter(store=store, payment=payment, reason=RETURNED_PAYMENT_REASON).first()
        if refund is None:
            pending = selectors.pending_refund_total(store=store, payment=payment)
            amount = payment.amount - payment.refunded_amount - pending
            if amount <= 0:
                return None
            refund = Refund.objects.create(
                store=store,
                payment=payment,
                order_id=payment.order_id,
                amount=amount,
                reason=RETURNED_PAYMENT_REASON,
                idempotency_key=_new_key(),
                actor_type=AuditEntry.ActorType.SYSTEM,
            )
    return refund_send(store=store, refund_id=refund.pk)


# --- the store's payment settings -----------------------------------------------------------

_STRIPE_SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")


def payment_settings_update(
    *,
    store: Store,
    actor: Actor,
    provider: str,
    stripe_secret_key: str = "",
    stripe_webhook_secret: str = "",
    ip: str = "",
) -> PaymentSettings:
    """Choose the store's provider and set Stripe's keys (an empty key keeps the one stored).

    Stripe needs both keys before it can be chosen: without the webhook
    secret no payment could ever be confirmed; nor can it be chosen for a
    store charging in a three-decimal currency. The audit entry says what
    changed, never a key. Switching provider closes every unfinished
    attempt of the previous one (`_close_for_switch`). Raises
    ApplicationError with per-field messages.
    """
    from shopwright.payments.providers.stripe_provider import supports_currency as stripe_supports_currency

    errors = FieldErrors()
    choices = {choice.value for choice in PaymentSettings.Provider}
    if provider not in choices:
        errors.add("provider", "Choose a payment provider.")
    secret_key = (stripe_secret_key or "").strip()
    webhook_secret = (stripe_webhook_secret or "").strip()
    if secret_key and (not secret_key.startswith(_STRIPE_SECRET_PREFIXES) or len(secret_key) > 255):
        errors.add(
            "stripe_secret_key", "A Stripe secret key starts with sk_test_ or sk_live_ (or rk_ for a restricted key)."
        )
    if webhook_secret and (not webhook_secret.startswith("whsec_") or len(webhook_secret) > 255):
        errors.add("stripe_webhook_secret", "A Stripe webhook signing secret starts with whsec_.")
    if provider == PaymentSettings.Provider.STRIPE and not stripe_supports_currency(store.currency):
        errors.add(
            "provider",
            f"Stripe cannot take payments in {store.currency} here: its amounts have three decimal places.",
        )
    errors.raise_if_any()
    with transaction.atomic():
        row, _created = PaymentSettings.objects.select_for_update().get_or_create(store=store)
        before = row.provider
        if secret_key:
            row.stripe_secret_key = secret_key
        if webhook_secret:
            row.stripe_webhook_secret = webhook_secret
        if provider == PaymentSettings.Provider.STRIPE:
            missing = FieldErrors()
            if not row.stripe_secret_key:
                missing.add("stripe_secret_key", "Enter the Stripe secret key to take payments with Stripe.")
            if not row.stripe_webhook_secret:
                missing.add("stripe_webhook_secret", "Enter the webhook signing secret Stripe shows for the endpoint.")
            missing.raise_if_any()
        row.provider = provider
        row.save(update_fields=["provider", "stripe_secret_key", "stripe_webhook_secret", "updated_at"])
        closed: list[int] = []
        if provider != before:
            closed = _close_for_switch(store=store, provider=provider)
        audit_record(
            action="payment.settings_changed",
            actor=actor,
            store=store,
            obj=row,
            ip=ip,
            details={
                "provider": provider,
                "previous_provider": before,
                "stripe_secret_key_changed": bool(secret_key),
                "stripe_webhook_secret_changed": bool(webhook_secret),
                "payments_closed": len(closed),
            },
        )
    return row


def _close_for_switch(*, store: Store, provider: str) -> list[int]:
    """Cancel every unfinished attempt of another provider than `provider`; returns their ids.

    In the caller's transaction: the attempts are marked cancelled (a buyer's
    "Pay now" then starts one with the new provider), and closed at their
    provider by jobs after commit, so a test-provider page left open in a
    tab can no longer "pay" an order once the store takes real money. A
    success that slips through anyway is returned (see _apply_state).
    """
    unfinished = (
        Payment.objects.filter(store=store, status__in=selectors.UNFINISHED_STATUSES)
        .exclude(provider=provider)
        .exclude(provider=NO_PAYMENT_PROVIDER)
    )
    ids = list(unfinished.order_by("pk").values_list("pk", flat=True))
    if ids:
        Payment.objects.filter(store=store, pk__in=ids, status__in=selectors.UNFINISHED_STATUSES).update(
            status=PaymentStatus.CANCELLED, failure_code="provider_changed", updated_at=timezone.now()
        )
        _close_later(store=store, payment_ids=ids)
    return ids


# --- closing attempts at their provider ------------------------------------------------------


def payment_close(*, store: Store, payment_id: int) -> Payment | None:
    """Close an attempt at its provider, so its page takes no payment any more; None for an unknown id.

    The job behind every closing (the order stopped waiting for payment, the
    store switched provider, a new attempt replaced this one). Idempotent:
    closing a closed attempt again is harmless. Outside any transaction (it
    calls the provider); raises ProviderError while the provider cannot be
    reached (the job retries). When the provider says the attempt was paid
    just before, the payment is applied as any success is (the order takes
    it, or it is returned).
    """
    _outside_transaction("payment_close")
    payment = Payment.objects.filter(store=store, pk=payment_id).first()
    if payment is None or not payment.reference or payment.status == PaymentStatus.SUCCEEDED:
        return payment
    state = provider_named(store, payment.provider).cancel_payment(payment.reference)
    with transaction.atomic():
        locked = _locked_payment(store=store, payment_id=payment.pk)
        _apply_state(store=store, payment=locked, state=state)
    return locked


def payments_close_stale(*, now: datetime | None = None, batch: int = 100) -> int:
    """Close at their providers the attempts of orders that no longer wait for payment; returns how many.

    The periodic job (every minute): an order cancelled, expired (its hold
    ran out) or paid by another attempt leaves no provider page that can
    still take money. Idempotent: each closed attempt leaves the set.
    A provider that cannot be reached is asked again at the next run.
    """
    now = now or timezone.now()
    with cross_store_access("the payment sweep closes every store's attempts of orders no longer payable"):
        due = (
            Payment.objects.filter(status__in=selectors.UNFINISHED_STATUSES)
            .exclude(reference="")
            .filter(~Q(order__status=OrderStatus.PENDING_PAYMENT) | Q(order__reserved_until__lt=now))
        )
        rows = list(due.order_by("updated_at", "id").values_list("store_id", "pk")[:batch])
    closed = 0
    for store_id, payment_id in rows:
        store = store_by_id(store_id=store_id)
        if store is None:
            continue
        try:
            payment = payment_close(store=store, payment_id=payment_id)
        except ProviderError as exc:
            logger.warning("payment #%s of store #%s not closed: %s", payment_id, store_id, exc.code or "unreachable")
            payment = None
        if payment is None or payment.status in selectors.UNFINISHED_STATUSES:
            # Not closed this time (unreachable, or the provider still finishing it): to the back of the queue.
            Payment.objects.filter(store=store, pk=payment_id).update(updated_at=now)
            continue
        closed += 1
    return closed
