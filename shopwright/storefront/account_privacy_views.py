"""The personal center's "Privacy" page (signed-in customers): see, export, correct or delete one's data.

- "Your data": the access view, the customer's own data by category, in full
  (the customer is the subject), shown for a while after an access request
  is verified;
- consent switches (marketing email, personalised recommendations) and the
  restriction switch, which count at once (privacy.consents);
- "See my data", "Download my data", "Correct my data", "Delete my account":
  each opens a request (privacy.requests) that is verified by the password or
  a one-time code before anything happens;
- the customer's requests with their status and deadline.

Another customer's request answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound, RateLimited
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import CustomerRequest, client_ip
from shopwright.privacy import consents, request_selectors
from shopwright.privacy import requests as services
from shopwright.privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    DataRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from shopwright.storefront.order_views import private_page
from shopwright.storefront.privacy_forms import AccountRequestForm, CodeForm, PasswordConfirmForm
from shopwright.storefront.views import customer_required

PAGE = "/account/privacy/"
# The switches of the page, with the text the customer sees (kept as the consent's evidence).
SWITCHES = [
    (ConsentPurpose.MARKETING_EMAIL, "Send me news and offers by email."),
    (ConsentPurpose.PERSONALISATION, "Recommend products based on what I browse, favour and buy."),
]
# What each button opens, and what the page says about it before verification.
ACTIONS = {
    RequestKind.ACCESS: "See all the data this store holds about you, here on this page.",
    RequestKind.EXPORT: "Get a ZIP file of your data by email, to keep or take elsewhere.",
    RequestKind.CORRECTION: "Ask the store to correct what you cannot change yourself.",
    RequestKind.DELETION: "Delete your account and your data. Orders are kept as the law requires, then anonymised.",
}


def _records(data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[list[tuple[str, Any]]]]]:
    return [
        (category.replace("_", " ").capitalize(), [list(record.items()) for record in records])
        for category, records in data.items()
    ]


@customer_required
@require_GET
def privacy_page(request: CustomerRequest) -> HttpResponse:
    customer, store = request.customer, request.store
    access = request_selectors.access_view_open(store=store, customer=customer)
    data: list[tuple[str, list[list[tuple[str, Any]]]]] = []
    if access:
        from shopwright.privacy import exports
        from shopwright.privacy.subjects import DataSubject

        data = _records(exports.subject_data(DataSubject.for_customer(customer)))
    state = consents.consent_state(customer=customer)
    context = {
        "customer": customer,
        "access": access,
        "data": data,
        "switches": [
            (purpose.value, purpose.label, text, bool(state.get(purpose.value))) for purpose, text in SWITCHES
        ],
        "restricted": consents.is_restricted(customer=customer),
        "actions": [(kind.value, kind.label, text) for kind, text in ACTIONS.items()],
        "rows": request_selectors.requests_for_customer(store=store, customer=customer),
    }
    # It shows the customer's own data in full: never stored by a cache or the browser's history.
    response = private_page(render(request, "storefront/account/privacy.html", context))
    response["Cache-Control"] = "no-store"
    return response


@customer_required
@require_POST
def consent_switch(request: CustomerRequest) -> HttpResponse:
    texts = {purpose.value: text for purpose, text in SWITCHES}
    purpose = request.POST.get("purpose", "")
    if purpose not in texts:
        messages.error(request, "Choose one of the switches on this page.")
        return redirect(PAGE)
    on = request.POST.get("granted") == "1"
    change = consents.consent_grant if on else consents.consent_withdraw
    try:
        change(purpose=purpose, customer=request.customer, channel=ConsentChannel.ACCOUNT, evidence=texts[purpose])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Saved: it counts from now on.")
    return redirect(PAGE)


@customer_required
@require_POST
def restriction_switch(request: CustomerRequest) -> HttpResponse:
    actor = Actor.customer(request.customer)
    try:
        if request.POST.get("restrict") == "1":
            consents.restriction_start(customer=request.customer, actor=actor, ip=client_ip(request))
            messages.success(
                request, "Your data is kept but no longer used for marketing, personalisation or analytics."
            )
        else:
            consents.restriction_lift(customer=request.customer, actor=actor, ip=client_ip(request))
            messages.success(request, "The restriction is lifted.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(PAGE)


@customer_required
@require_http_methods(["GET", "POST"])
def request_new(request: CustomerRequest) -> HttpResponse:
    """GET ?kind=correction: the correction page; POST: open a request and go verify it."""
    kind = request.POST.get("kind") if request.method == "POST" else request.GET.get("kind", RequestKind.CORRECTION)
    form = AccountRequestForm(request.POST or None, initial={"kind": kind})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                opened = services.request_open(
                    store=request.store,
                    kind=form.cleaned_data["kind"],
                    channel=RequestChannel.ACCOUNT,
                    customer=request.customer,
                    details=form.cleaned_data["details"],
                    actor=Actor.customer(request.customer),
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                if exc.code == "deletion_running":
                    messages.error(request, exc.message)
                    return redirect(PAGE)
                form_add_service_errors(form, exc)
                status = 400
            else:
                assert opened is not None  # a signed-in request is always opened or refused
                return redirect(f"{PAGE}requests/{opened.pk}/")
        else:
            status = 400
    if kind not in RequestKind.values:
        if request.method == "GET":
            raise Http404("No such kind of request.")
        kind = RequestKind.CORRECTION  # the form says what is wrong
    return private_page(
        render(
            request,
            "storefront/account/privacy_new.html",
            {"form": form, "kind": kind, "kind_label": RequestKind(kind).label},
            status=status,
        )
    )


def _found(request: CustomerRequest, request_id: int) -> DataRequest:
    try:
        return services.request_of_subject(
            store=request.store, customer=request.customer, request_id=request_id, ip=client_ip(request)
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _detail(
    request: CustomerRequest,
    data_request: DataRequest,
    *,
    password_form: PasswordConfirmForm | None = None,
    code_form: CodeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    verifying = data_request.status == RequestStatus.VERIFYING
    context = {
        "row": request_selectors.request_row(data_request),
        "data_request": data_request,
        "verifying": verifying,
        "password_form": password_form or PasswordConfirmForm(),
        "code_form": code_form or CodeForm(),
        "code_sent": bool(data_request.code_hash),
    }
    return private_page(render(request, "storefront/account/privacy_request.html", context, status=status))


def _after_verification(request: CustomerRequest, data_request: DataRequest) -> HttpResponse:
    if data_request.kind == RequestKind.ACCESS:
        messages.success(request, "Verified. Here is the data this store holds about you.")
        return redirect(f"{PAGE}#your-data")
    messages.success(request, "Verified. Your request is on its way.")
    return redirect(f"{PAGE}requests/{data_request.pk}/")


@customer_required
@require_GET
def request_detail(request: CustomerRequest, request_id: int) -> HttpResponse:
    return _detail(request, _found(request, request_id))


@customer_required
@require_POST
def request_password(request: CustomerRequest, request_id: int) -> HttpResponse:
    data_request = _found(request, request_id)
    form = PasswordConfirmForm(request.POST)
    if not form.is_valid():
        return _detail(request, data_request, password_form=form, status=400)
    try:
        done = services.request_verify_password(
            request=data_request, password=form.cleaned_data["password"], ip=client_ip(request)
        )
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _detail(request, data_request, password_form=form, status=exc.status_code)
    return _after_verification(request, done)


@customer_required
@require_POST
def request_code_send(request: CustomerRequest, request_id: int) -> HttpResponse:
    data_request = _found(request, request_id)
    try:
        services.request_code_send(request=data_request, ip=client_ip(request))
    except RateLimited as exc:
        messages.error(request, "We sent several codes already. Wait a few minutes, then ask again.")
        return _detail(request, data_request, status=exc.status_code)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, data_request, status=exc.status_code)
    messages.success(request, "We emailed you a 6-digit code. It works for 15 minutes.")
    return redirect(f"{PAGE}requests/{data_request.pk}/")


@customer_required
@require_POST
def request_code(request: CustomerRequest, request_id: int) -> HttpResponse:
    data_request = _found(request, request_id)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _detail(request, data_request, code_form=form, status=400)
    try:
        done = services.request_verify_code(request=data_request, code=form.cleaned_data["code"], ip=client_ip(request))
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        data_request.refresh_from_db()
        return _detail(request, data_request, code_form=form, status=exc.status_code)
    return _after_verification(request, done)
