"""Back-office shipping settings: zones (where the store ships) and their methods (what it costs).

Owners and admins only: shipping prices are what buyers pay. Views parse
the page (`shipping_forms`), call `shipping.services` with the current
store and render; a service's ApplicationError re-renders the page with
status 400 and each message beside its input, nothing saved. Ids in URLs
are looked up within the current store, so another store's id is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_countries import countries

from shopwright.backoffice import shipping_forms as sf
from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.catalog.display import format_money
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.shipping import selectors, services
from shopwright.shipping.models import RateKind, ShippingMethod, ShippingZone
from shopwright.shipping.validation import area_label
from shopwright.stores.models import Role, Store

MANAGERS: set[str] = {Role.OWNER, Role.ADMIN}


def _store(request: StorePageRequest) -> Store:
    return request.membership.store


def _actor(request: StorePageRequest) -> Actor:
    return Actor.user(request.user)


def _zone(request: StorePageRequest, zone_id: int) -> ShippingZone:
    try:
        return selectors.zone_for_office(store=_store(request), zone_id=zone_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _method(request: StorePageRequest, method_id: int) -> ShippingMethod:
    try:
        return selectors.method_for_office(store=_store(request), method_id=method_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- the overview ---------------------------------------------------------------------


@store_page(roles=MANAGERS)
@require_GET
def shipping_settings(request: StorePageRequest) -> HttpResponse:
    store = _store(request)
    zones = selectors.zones_for_office(store=store)
    rows = [
        {
            "zone": zone,
            "areas": [{"code": area, "label": area_label(area)} for area in zone.areas],
            "methods": [{"method": m, "price": method_price_text(m, store.currency)} for m in zone.methods.all()],
        }
        for zone in zones
    ]
    return render(request, "backoffice/settings/shipping.html", _ctx(request, rows=rows))


def method_price_text(method: ShippingMethod, currency: str) -> str:
    """How the overview states a method's price: "€4.90", "by weight: up to 1,000 g €5.00, …"; "free from …"."""
    if method.kind == RateKind.WEIGHT:
        parts = [
            f"up to {int(b['up_to_grams']):,} g {format_money(Decimal(str(b['price'])), currency)}"
            for b in method.weight_brackets
        ]
        text = "By weight: " + "; ".join(parts) if parts else "By weight (no brackets)"
    else:
        text = format_money(method.price, currency)
    if method.free_above is not None:
        text += f" · free from {format_money(method.free_above, currency)}"
    return text


# --- zones ----------------------------------------------------------------------------------


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_zone_new(request: StorePageRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_zone(request, form=sf.ZoneForm(), zone=None)
    return _save_zone(request, zone=None)


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_zone_edit(request: StorePageRequest, zone_id: int) -> HttpResponse:
    zone = _zone(request, zone_id)
    if request.method == "GET":
        return _render_zone(request, form=sf.ZoneForm(initial=sf.ZoneForm.initial_for(zone)), zone=zone)
    return _save_zone(request, zone=zone)


def _save_zone(request: StorePageRequest, *, zone: ShippingZone | None) -> HttpResponse:
    form = sf.ZoneForm(request.POST)
    if not form.is_valid():
        return _render_zone(request, form=form, zone=zone, status=400)
    store = _store(request)
    name, areas = form.cleaned_data["name"], form.areas_input()
    try:
        if zone is None:
            saved = services.shipping_zone_create(store=store, actor=_actor(request), name=name, areas=areas)
        else:
            saved = services.shipping_zone_update(store=store, actor=_actor(request), zone=zone, name=name, areas=areas)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        _add_errors(form, exc)
        return _render_zone(request, form=form, zone=zone, status=400)
    messages.success(request, f"The zone “{saved.name}” is saved.")
    return redirect("backoffice:shipping_settings")


def _add_errors(form: sf.ZoneForm, exc: ApplicationError) -> None:
    for key, field_messages in exc.fields.items():
        for message in field_messages:
            form.add_error(key if key in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


def _render_zone(
    request: StorePageRequest, *, form: sf.ZoneForm, zone: ShippingZone | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "backoffice/settings/shipping_zone_form.html",
        _ctx(
            request,
            form=form,
            zone=zone,
            areas=[{"code": a, "label": area_label(a)} for a in zone.areas] if zone else [],
            countries=list(countries),
        ),
        status=status,
    )


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_zone_delete(request: StorePageRequest, zone_id: int) -> HttpResponse:
    zone = _zone(request, zone_id)
    if request.method == "POST":
        try:
            services.shipping_zone_delete(store=_store(request), actor=_actor(request), zone=zone)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        messages.success(request, f"The zone “{zone.name}” and its methods are deleted.")
        return redirect("backoffice:shipping_settings")
    methods = selectors.methods_of_zone(store=_store(request), zone=zone)
    return render(
        request, "backoffice/settings/shipping_delete.html", _ctx(request, what="zone", zone=zone, methods=methods)
    )


# --- methods --------------------------------------------------------------------------------


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_method_new(request: StorePageRequest, zone_id: int) -> HttpResponse:
    zone = _zone(request, zone_id)
    zones = selectors.zones_for_office(store=_store(request))
    if request.method == "GET":
        form = sf.MethodForm(zones=zones, initial={"zone": zone.pk, "kind": RateKind.FLAT, "is_active": True})
        return _render_method(request, form=form, rows=[], method=None, zone=zone)
    return _save_method(request, zones=zones, method=None, zone=zone)


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_method_edit(request: StorePageRequest, method_id: int) -> HttpResponse:
    method = _method(request, method_id)
    zones = selectors.zones_for_office(store=_store(request))
    if request.method == "GET":
        form = sf.MethodForm(zones=zones, initial=sf.MethodForm.initial_for(method))
        rows = sf.brackets_from_method(method)
        return _render_method(request, form=form, rows=rows, method=method, zone=method.zone)
    return _save_method(request, zones=zones, method=method, zone=method.zone)


def _save_method(
    request: StorePageRequest, *, zones: list[ShippingZone], method: ShippingMethod | None, zone: ShippingZone
) -> HttpResponse:
    form = sf.MethodForm(request.POST, zones=zones)
    rows = sf.brackets_from_post(request.POST)
    if not form.is_valid():
        return _render_method(request, form=form, rows=rows, method=method, zone=zone, status=400)
    data = form.cleaned_data
    chosen = next(z for z in zones if z.pk == data["zone"])
    fields: dict[str, Any] = {
        "zone": chosen,
        "name": data["name"],
        "kind": data["kind"],
        "price": data["price"],
        "weight_brackets": sf.brackets_input(rows),
        "free_above": data["free_above"],
        "delivery_estimate": data["delivery_estimate"],
        "is_active": data["is_active"],
        "position": data["position"],
    }
    store = _store(request)
    try:
        if method is None:
            saved = services.shipping_method_create(store=store, actor=_actor(request), **fields)
        else:
            saved = services.shipping_method_update(store=store, actor=_actor(request), method=method, **fields)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        bracket_errors = sf.attach_errors(exc, form, rows)
        return _render_method(
            request, form=form, rows=rows, method=method, zone=zone, bracket_errors=bracket_errors, status=400
        )
    messages.success(request, f"The method “{saved.name}” is saved.")
    return redirect("backoffice:shipping_settings")


def _render_method(
    request: StorePageRequest,
    *,
    form: sf.MethodForm,
    rows: list[sf.BracketRow],
    method: ShippingMethod | None,
    zone: ShippingZone,
    bracket_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "backoffice/settings/shipping_method_form.html",
        _ctx(
            request,
            form=form,
            method=method,
            zone=zone,
            rows=sf.padded(rows),
            bracket_errors=bracket_errors or [],
            # The bracket rows may be below the fold on a phone: say at the top that something needs fixing.
            has_errors=bool(form.errors or bracket_errors or any(row.errors for row in rows)),
            currency=_store(request).currency,
        ),
        status=status,
    )


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def shipping_method_delete(request: StorePageRequest, method_id: int) -> HttpResponse:
    method = _method(request, method_id)
    if request.method == "POST":
        try:
            services.shipping_method_delete(store=_store(request), actor=_actor(request), method=method)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        messages.success(request, f"The method “{method.name}” is deleted.")
        return redirect("backoffice:shipping_settings")
    return render(
        request,
        "backoffice/settings/shipping_delete.html",
        _ctx(request, what="method", method=method, zone=method.zone),
    )
