"""Platform site pages: landing, merchant signup, email verification, sign-in, dev outbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shopwright.backoffice.session import CURRENT_STORE_KEY
from shopwright.core.emails import outbox
from shopwright.core.exceptions import ApplicationError, RateLimited
from shopwright.core.forms import form_add_service_errors
from shopwright.core.links import store_url
from shopwright.core.requests import client_ip, dev_outbox_visible, safe_next_path
from shopwright.platform.forms import LoginForm, SignupForm
from shopwright.stores import selectors, services


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/landing.html")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    form.fields["store_handle"].help_text = form.fields["store_handle"].help_text.format(
        domain=settings.PLATFORM_DOMAIN
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "agree"}
        try:
            result = services.merchant_signup(**data, ip=client_ip(request))
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            login(request, result.user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
            request.session[CURRENT_STORE_KEY] = result.store.pk
            return redirect("platform:signup_done")
    return render(request, "platform/signup.html", {"form": form}, status=400 if form.errors else 200)


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/signup_done.html")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.user_verify_email(token=token, ip=client_ip(request))
    except ApplicationError as exc:
        return render(request, "platform/verify_failed.html", {"message": exc.message}, status=400)
    stores = [(store, store_url(store)) for store in selectors.stores_owned_by(user=user)]
    return render(request, "platform/verified.html", {"stores": stores})


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        try:
            if services.user_resend_verification(user=request.user):
                messages.success(request, "A new verification link is on its way.")
        except RateLimited as exc:
            messages.error(request, exc.message)
    return redirect("platform:signup_done")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.merchant_authenticate(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"], ip=client_ip(request)
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            login(request, user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
            return redirect(safe_next_path(request, reverse("backoffice:dashboard")))
    elif request.method == "POST":
        status = 400
    return render(request, "platform/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("platform:landing")


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Development only: the emails the platform would have sent (see dev_outbox_visible)."""
    if not dev_outbox_visible(request):
        raise Http404
    return render(request, "platform/outbox.html", {"emails": outbox()})
