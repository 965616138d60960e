"""Back-office payment settings: which provider the store takes payments with, and Stripe's keys.

Owners and admins only. The keys are write-only: the page shows a masked
form ("sk_test_…1234") and an empty input; leaving it empty keeps the
stored key. A change is audited without any key in the entry.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shopwright.backoffice.payment_forms import PaymentSettingsForm
from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import client_ip
from shopwright.payments import selectors, services
from shopwright.payments.models import PaymentSettings
from shopwright.stores.models import Role

MANAGERS: set[str] = {Role.OWNER.value, Role.ADMIN.value}
# What to select when adding the endpoint at Stripe (Developers → Webhooks).
STRIPE_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    # Refunds that Stripe leaves pending (some cards and methods) settle or fail later.
    "refund.created",
    "refund.updated",
    "refund.failed",
)


_KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_")


def mask_key(value: str) -> str:
    """`sk_test_…1234`: enough to tell which key is stored, never enough to use it."""
    if not value:
        return ""
    prefix = next((p for p in _KEY_PREFIXES if value.startswith(p)), "")
    return f"{prefix}…{value[-4:]}"


@sensitive_post_parameters("stripe_secret_key", "stripe_webhook_secret")
@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def payment_settings(request: StorePageRequest) -> HttpResponse:
    store = request.membership.store
    current = selectors.payment_settings(store=store)
    initial = {"provider": current.provider if current else PaymentSettings.Provider.TEST}
    form = PaymentSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.payment_settings_update(
                    store=store,
                    actor=Actor.user(request.user),
                    provider=form.cleaned_data["provider"],
                    stripe_secret_key=form.cleaned_data["stripe_secret_key"],
                    stripe_webhook_secret=form.cleaned_data["stripe_webhook_secret"],
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                form_add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, "The payment settings are saved.")
                return redirect("backoffice:payment_settings")
        else:
            status = 400
    context = _ctx(
        request,
        form=form,
        current=current,
        masked_secret_key=mask_key(current.stripe_secret_key) if current else "",
        masked_webhook_secret=mask_key(current.stripe_webhook_secret) if current else "",
        stripe_webhook_url=services.webhook_url(store, PaymentSettings.Provider.STRIPE),
        stripe_events=STRIPE_EVENTS,
    )
    return render(request, "backoffice/settings/payments.html", context, status=status)
