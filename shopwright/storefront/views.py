"""Storefront pages on a store's host: the customer account."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shopwright.core.exceptions import ApplicationError, RateLimited
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import CustomerRequest, StorefrontRequest, client_ip, safe_next_path
from shopwright.customers import services
from shopwright.customers.services import GUARDIAN_CONSENT_DAYS, REGISTRATION_POLICY_TEXT
from shopwright.customers.sessions import session_login, session_logout, session_refresh_fingerprint
from shopwright.orders import display as order_display
from shopwright.orders import selectors as order_selectors
from shopwright.storefront.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegisterForm,
)
from shopwright.storefront.order_views import private_page

# Orders the personal center lists; the rest are a click away in /account/orders/.
RECENT_ORDERS = 3


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "customer", None) is None:
            return redirect(f"/account/login/?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def register(request: StorefrontRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, ask_date_of_birth=request.store.ask_date_of_birth)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_register(store=request.store, **form.cleaned_data, ip=client_ip(request))
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            if services.customer_awaits_guardian(customer):
                # A child's account waits for the guardian's consent: no session until then.
                return render(request, "storefront/account/register_pending.html", {"days": GUARDIAN_CONSENT_DAYS})
            session_login(request, customer)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("storefront:account")
    context = {"form": form, "policy_text": REGISTRATION_POLICY_TEXT.format(store=request.store.name)}
    return render(request, "storefront/account/register.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def login_view(request: StorefrontRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_authenticate(
                store=request.store,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            session_login(request, customer)
            return redirect(safe_next_path(request, "/account/"))
    elif request.method == "POST":
        status = 400
    return render(request, "storefront/account/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: StorefrontRequest) -> HttpResponse:
    session_logout(request)
    return redirect("storefront:home")


@customer_required
def account(request: CustomerRequest) -> HttpResponse:
    """The personal center: profile, the most recent orders (two queries) and what the store does with the data."""
    listing = order_selectors.orders_for_customer(store=request.store, customer=request.customer)
    context = {
        "customer": request.customer,
        "recent_orders": order_display.buyer_list_rows(listing.rows[:RECENT_ORDERS]),
        "order_count": listing.total,
    }
    # It shows the customer's orders: kept out of shared caches like the order pages.
    return private_page(render(request, "storefront/account/center.html", context))


@customer_required
@require_http_methods(["GET", "POST"])
def profile(request: CustomerRequest) -> HttpResponse:
    customer = request.customer
    initial = {
        "name": customer.name,
        "nickname": customer.nickname,
        "real_name": customer.real_name,
        "gender": customer.gender,
        "date_of_birth": customer.date_of_birth.isoformat() if customer.date_of_birth else "",
        "place_of_residence": customer.place_of_residence,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "avatar"}
        try:
            services.customer_profile_save(
                customer=customer,
                data=data,
                avatar=form.cleaned_data.get("avatar") or None,
                remove_avatar=bool(request.POST.get("remove_avatar")),
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("storefront:profile")
    return render(
        request,
        "storefront/account/profile.html",
        {"form": form, "customer": customer},
        status=400 if form.errors else 200,
    )


@customer_required
@require_http_methods(["GET", "POST"])
def settings_view(request: CustomerRequest) -> HttpResponse:
    customer = request.customer
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_password_change(customer=customer, **form.cleaned_data, ip=client_ip(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            session_refresh_fingerprint(request, customer)
            messages.success(request, "Your password is changed. Other devices are signed out.")
            return redirect("storefront:settings")
    if form.errors and status == 200:
        status = 400
    return render(request, "storefront/account/settings.html", {"form": form, "customer": customer}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_request(request: StorefrontRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_password_reset_request(
                store=request.store,
                email=form.cleaned_data["email"],
                ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            return render(request, "storefront/account/password_reset_sent.html")
    if form.errors and status == 200:
        status = 400
    return render(request, "storefront/account/password_reset_request.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: StorefrontRequest, token: str) -> HttpResponse:
    try:
        services.customer_for_reset_token(store=request.store, token=token)
    except ApplicationError as exc:
        return render(request, "storefront/account/password_reset_invalid.html", {"message": exc.message}, status=400)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_password_reset_confirm(
                store=request.store,
                token=token,
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Your password is changed. Sign in with the new password.")
            return redirect("storefront:login")
    return render(
        request, "storefront/account/password_reset_confirm.html", {"form": form}, status=400 if form.errors else 200
    )
