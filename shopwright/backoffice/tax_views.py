"""Back-office tax settings: whether prices include tax, and the rates per country or region.

Owners and admins only. Views parse the page (`tax_forms`), call
`taxes.services` with the current store and render; a service's
ApplicationError re-renders the form with status 400 and each message
beside its input, nothing saved. Another store's rate id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from shopwright.backoffice import tax_forms as tf
from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.forms import form_add_service_errors
from shopwright.shipping.validation import area_label
from shopwright.stores.models import Role, Store
from shopwright.taxes import selectors, services
from shopwright.taxes.models import TaxRate

MANAGERS: set[str] = {Role.OWNER, Role.ADMIN}


def _store(request: StorePageRequest) -> Store:
    return request.membership.store


def _actor(request: StorePageRequest) -> Actor:
    return Actor.user(request.user)


def _rate(request: StorePageRequest, rate_id: int) -> TaxRate:
    try:
        return selectors.tax_rate_for_office(store=_store(request), rate_id=rate_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def percent(rate: TaxRate) -> str:
    return f"{rate.rate.normalize():f} %"


@store_page(roles=MANAGERS)
@require_GET
def tax_settings(request: StorePageRequest) -> HttpResponse:
    return _render_settings(request, prices_form=None)


def _render_settings(
    request: StorePageRequest, *, prices_form: tf.PricesIncludeTaxForm | None, status: int = 200
) -> HttpResponse:
    store = _store(request)
    rows = [
        {"rate": rate, "label": area_label(rate.area), "percent": percent(rate)}
        for rate in selectors.tax_rates_for_office(store=store)
    ]
    form = prices_form or tf.PricesIncludeTaxForm(initial={"prices_include_tax": store.prices_include_tax})
    return render(request, "backoffice/settings/taxes.html", _ctx(request, rows=rows, prices_form=form), status=status)


@store_page(roles=MANAGERS)
@require_POST
def tax_prices_include(request: StorePageRequest) -> HttpResponse:
    form = tf.PricesIncludeTaxForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, prices_form=form, status=400)
    store = services.store_prices_include_tax_set(
        store=_store(request), actor=_actor(request), value=form.cleaned_data["prices_include_tax"]
    )
    if store.prices_include_tax:
        messages.success(request, "Your prices now include tax: checkout shows the tax they contain.")
    else:
        messages.success(request, "Your prices now exclude tax: checkout adds the tax on top.")
    return redirect("backoffice:tax_settings")


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def tax_rate_new(request: StorePageRequest) -> HttpResponse:
    if request.method == "GET":
        form = tf.TaxRateForm(initial={"applies_to_shipping": True})
        return _render_rate(request, form=form, rate=None)
    form = tf.TaxRateForm(request.POST)
    if not form.is_valid():
        return _render_rate(request, form=form, rate=None, status=400)
    try:
        saved = services.tax_rate_set(
            store=_store(request),
            actor=_actor(request),
            area=form.cleaned_data["area"],
            name=form.cleaned_data["name"],
            rate=form.cleaned_data["rate"],
            applies_to_shipping=form.cleaned_data["applies_to_shipping"],
            must_be_new=True,
        )
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render_rate(request, form=form, rate=None, status=400)
    messages.success(request, f"The rate for {area_label(saved.area)} is saved.")
    return redirect("backoffice:tax_settings")


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def tax_rate_edit(request: StorePageRequest, rate_id: int) -> HttpResponse:
    rate = _rate(request, rate_id)
    if request.method == "GET":
        return _render_rate(request, form=tf.TaxRateEditForm(initial=tf.TaxRateForm.initial_for(rate)), rate=rate)
    form = tf.TaxRateEditForm(request.POST)
    if not form.is_valid():
        return _render_rate(request, form=form, rate=rate, status=400)
    try:
        services.tax_rate_set(
            store=_store(request),
            actor=_actor(request),
            area=rate.area,
            name=form.cleaned_data["name"],
            rate=form.cleaned_data["rate"],
            applies_to_shipping=form.cleaned_data["applies_to_shipping"],
        )
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render_rate(request, form=form, rate=rate, status=400)
    messages.success(request, f"The rate for {area_label(rate.area)} is saved.")
    return redirect("backoffice:tax_settings")


def _render_rate(
    request: StorePageRequest, *, form: tf.TaxRateForm, rate: TaxRate | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "backoffice/settings/taxes_rate_form.html",
        _ctx(
            request,
            form=form,
            rate=rate,
            area_label=area_label(rate.area) if rate else "",
            countries=list(countries) if rate is None else [],
        ),
        status=status,
    )


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def tax_rate_delete(request: StorePageRequest, rate_id: int) -> HttpResponse:
    rate = _rate(request, rate_id)
    if request.method == "POST":
        try:
            services.tax_rate_delete(store=_store(request), actor=_actor(request), tax_rate=rate)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        messages.success(request, f"The rate for {area_label(rate.area)} is deleted.")
        return redirect("backoffice:tax_settings")
    return render(
        request,
        "backoffice/settings/taxes_delete.html",
        _ctx(request, rate=rate, label=area_label(rate.area), percent=percent(rate)),
    )
