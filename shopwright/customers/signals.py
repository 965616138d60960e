"""Signals other apps listen to; `customers` must not import them (they depend on it).

`customer_signed_in` is sent by `sessions.session_login` after the session
is bound to the customer: the cart and favourites merge a visitor's cookie
contents into the account from their receivers.

`customer_registered` is sent by `services.customer_register` inside the
registration's transaction, with `customer` and `ip`: the privacy app
records the accepted privacy policy and asks a child's guardian for consent
(privacy.children); a receiver that raises undoes the registration.
"""

from django.dispatch import Signal

# Sent with `request` (the StoreRequest) and `customer`.
customer_signed_in = Signal()

# Sent with `customer` (just saved) and `ip`, inside the registration's transaction.
customer_registered = Signal()
