"""Signals other apps listen to; `customers` must not import them (they depend on it).

`customer_signed_in` is sent by `sessions.session_login` after the session
is bound to the customer: the cart and favourites merge a visitor's cookie
contents into the account from their receivers.
"""

from django.dispatch import Signal

# Sent with `request` (the StoreRequest) and `customer`.
customer_signed_in = Signal()
