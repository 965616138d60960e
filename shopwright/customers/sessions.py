"""Customer sign-in state in the session, bound to one store.

The session records the store id, the customer id and a keyed hash of the
password hash: a session from another store, or from before a password
change, identifies nobody.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.middleware.csrf import rotate_token

from shopwright.core.requests import StoreRequest
from shopwright.customers import selectors
from shopwright.customers.models import Customer
from shopwright.customers.signals import customer_signed_in

SESSION_KEY = "_customer"


def _password_fingerprint(customer: Customer) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"customer-session:{customer.password}".encode(), hashlib.sha256
    ).hexdigest()


def session_login(request: StoreRequest, customer: Customer) -> None:
    request.session.cycle_key()  # no session fixation
    rotate_token(request)  # nor a CSRF token chosen before sign-in
    request.session[SESSION_KEY] = {
        "store": customer.store_id,
        "id": customer.pk,
        "fp": _password_fingerprint(customer),
    }
    request.customer = customer
    customer_signed_in.send(sender=Customer, request=request, customer=customer)


def session_logout(request: StoreRequest) -> None:
    request.session.flush()
    request.customer = None


def session_customer(request: StoreRequest) -> Customer | None:
    store = getattr(request, "store", None)
    data = request.session.get(SESSION_KEY)
    if store is None or not isinstance(data, dict) or data.get("store") != store.pk:
        return None
    customer = selectors.customer_get(store=store, customer_id=int(data.get("id") or 0))
    if customer is None or not hmac.compare_digest(str(data.get("fp", "")), _password_fingerprint(customer)):
        return None
    return customer


def session_refresh_fingerprint(request: StoreRequest, customer: Customer) -> None:
    """Keep this session signed in after the customer changed the password in it."""
    data = request.session.get(SESSION_KEY)
    if isinstance(data, dict):
        data["fp"] = _password_fingerprint(customer)
        request.session[SESSION_KEY] = data
