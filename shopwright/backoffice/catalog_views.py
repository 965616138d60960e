"""Back-office catalog pages: products (with options, variants and images) and collections.

Views parse the page's fields (`catalog_forms`), call a `catalog.services`
write or a `catalog.merchant_selectors` read with the current store, and
render. A service's ApplicationError, or a field the form itself refuses (a
NUL byte), re-renders the page with status 400 and each message next to the
input it is about; nothing is saved. Ids in URLs are
looked up within the current store, so another store's id is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_currency
from django.contrib import messages
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.backoffice import catalog_forms as cf
from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.catalog import merchant_selectors as selectors
from shopwright.catalog import services
from shopwright.catalog.images import image_url
from shopwright.catalog.models import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Collection,
    CollectionKind,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from shopwright.catalog.preview import preview_token
from shopwright.catalog.selectors import page_number_checked
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.links import store_url
from shopwright.orders import merchant_selectors as order_selectors
from shopwright.stores.models import Store

PRODUCTS_PER_PAGE = 50
THUMB_WIDTH = 160
# The services' own words for a form with problems, so a page says the same whichever check found them.
INVALID = "Please correct the errors below."


def _actor(request: StorePageRequest) -> Actor:
    return Actor.user(request.user)


def _store(request: StorePageRequest) -> Store:
    return request.membership.store


def thumb_url(renditions: Any) -> str:
    """The back office's small thumbnail (WebP) of an image's renditions, or "" when it has none."""
    if not isinstance(renditions, dict):
        return ""
    return image_url(ProductImage(renditions=renditions), THUMB_WIDTH, "webp")


def _money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency, locale=translation.to_locale(translation.get_language() or "en"))


def _price_range(low: Decimal, high: Decimal, currency: str) -> str:
    if low == high:
        return _money(low, currency)
    return f"{_money(low, currency)} – {_money(high, currency)}"


def _wants_json(request: StorePageRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- products: list ---------------------------------------------------------------


@store_page()
@require_GET
def product_list(request: StorePageRequest) -> HttpResponse:
    store = _store(request)
    query = selectors.search_term(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    try:
        # The storefront's reading of a page number: not a number is a 400, past the end (however far) a 404.
        number = page_number_checked(request.GET.get("page"))
    except NotFound as exc:  # an ApplicationError too: caught first
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponseBadRequest(_first_message(exc), content_type="text/plain")
    paginator = Paginator(selectors.products_for_office(store=store, query=query, status=status), PRODUCTS_PER_PAGE)
    try:
        page = paginator.page(number)
    except EmptyPage as exc:
        raise Http404("There is no such page.") from exc
    rows = [
        {
            "product": p,
            "thumb": thumb_url(p.thumb_renditions),  # type: ignore[attr-defined]
            "price": _price_range(p.price_min, p.price_max, store.currency),
        }
        for p in page.object_list
    ]
    return render(
        request,
        "backoffice/catalog/product_list.html",
        _ctx(
            request,
            rows=rows,
            page=page,
            query=query,
            status=status if status in ProductStatus.values else "",
            statuses=ProductStatus.choices,
            filters=_filters_query(query, status),
        ),
    )


def _filters_query(query: str, status: str) -> str:
    """The list's filters as a query string prefix for its page links."""
    params = {k: v for k, v in (("q", query), ("status", status)) if v}
    return urlencode(params) + "&" if params else ""


# --- products: new and edit -------------------------------------------------------------


@store_page()
@require_http_methods(["GET", "POST"])
def product_new(request: StorePageRequest) -> HttpResponse:
    if request.method == "GET":
        form = cf.ProductForm(initial={"status": ProductStatus.DRAFT})
        return _render_product(request, form=form, options=[], rows=[cf.VariantRow()], product=None)
    return _save_product(request, product=None)


@store_page()
@require_http_methods(["GET", "POST"])
def product_edit(request: StorePageRequest, product_id: int) -> HttpResponse:
    editing = _editing(request, product_id)
    if request.method == "GET":
        form = cf.ProductForm(initial=cf.ProductForm.initial_for(editing.product))
        return _render_product(
            request,
            form=form,
            options=cf.options_from_product(editing.options),
            rows=[cf.VariantRow.from_variant(v) for v in editing.variants],
            product=editing.product,
            images=editing.images,
            variants=editing.variants,
        )
    return _save_product(request, product=editing.product, images=editing.images, variants=editing.variants)


def _editing(request: StorePageRequest, product_id: int) -> selectors.ProductForEditing:
    try:
        return selectors.product_for_editing(store=_store(request), product_id=product_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _save_product(
    request: StorePageRequest,
    *,
    product: Product | None,
    images: list[ProductImage] | None = None,
    variants: list[Variant] | None = None,
) -> HttpResponse:
    form = cf.ProductForm(request.POST)
    # The fields are optional text, so the service checks the rules; the form only refuses what is not
    # text at all (a NUL byte), and then has no cleaned value to give it.
    valid = form.is_valid()
    options = cf.options_from_post(request.POST)
    saved_rows = [cf.VariantRow.from_variant(v) for v in variants or []]
    rows = cf.rows_for_options(options, cf.variant_rows_from_post(request.POST), saved_rows)
    if request.POST.get("action") == "options":
        # "Update variants" without JavaScript: show one row per combination, save nothing yet.
        return _render_product(
            request,
            form=form,
            options=options,
            rows=rows,
            product=product,
            images=images,
            variants=variants,
            status=200 if valid else 400,
        )
    if not valid or cf.key_errors(rows):
        return _render_product(
            request,
            form=form,
            options=options,
            rows=rows,
            product=product,
            images=images,
            variants=variants,
            errors=[INVALID],
            status=400,
        )
    data = cf.product_input(form, options, rows)
    store = _store(request)
    try:
        if product is None:
            saved = services.product_create(store=store, actor=_actor(request), data=data)
        else:
            saved = services.product_update(store=store, actor=_actor(request), product=product, data=data)
    except ApplicationError as exc:
        leftover = cf.attach_errors(exc, form, {"options": options, "variants": rows})
        if isinstance(exc, services.StockChanged):
            # The next save is checked against the stock now, which the message shows.
            for index, now in exc.current.items():
                rows[index].stock_seen = str(now)
        return _render_product(
            request,
            form=form,
            options=options,
            rows=rows,
            product=product,
            images=images,
            variants=variants,
            errors=[exc.message],
            option_errors=leftover.pop("options", []),
            variant_errors=leftover.pop("variants", []),
            other_errors=[m for ms in leftover.values() for m in ms],
            status=400,
        )
    messages.success(request, f"“{saved.title}” is saved.")
    return redirect("backoffice:catalog_product_edit", product_id=saved.pk)


def _render_product(
    request: StorePageRequest,
    *,
    form: cf.ProductForm,
    options: list[cf.OptionRow],
    rows: list[cf.VariantRow],
    product: Product | None,
    images: list[ProductImage] | None = None,
    errors: list[str] | None = None,
    option_errors: list[str] | None = None,
    variant_errors: list[str] | None = None,
    other_errors: list[str] | None = None,
    image_errors: dict[int, list[str]] | None = None,
    variants: list[Variant] | None = None,
    status: int = 200,
) -> HttpResponse:
    images = images or []
    image_errors = image_errors or {}
    store = _store(request)
    if product is not None and variants:
        _show_held(store=store, product=product, variants=variants, rows=rows)
    return render(
        request,
        "backoffice/catalog/product_form.html",
        _ctx(
            request,
            form=form,
            product=product,
            option_rows=cf.padded(options, cf.OptionRow, MAX_OPTIONS),
            option_names=[o.name for o in options if o.values],
            # Past the limit only the first rows are shown (the warning gives the count), so the
            # page never sends more fields than Django accepts.
            rows=rows[:MAX_VARIANTS],
            stock_seen=cf.stock_seen_json(rows[:MAX_VARIANTS]),
            blank_row=cf.VariantRow(),
            combination_count=cf.combination_count(options),
            too_many_rows=len(rows) > MAX_VARIANTS,
            max_variants=MAX_VARIANTS,
            errors=[*(errors or []), *(other_errors or [])],
            option_errors=option_errors or [],
            variant_errors=variant_errors or [],
            images=[
                {"image": image, "thumb": thumb_url(image.renditions), "errors": image_errors.get(image.pk, [])}
                for image in images
            ],
            image_choices=[(str(image.pk), f"Image {i}") for i, image in enumerate(images, start=1)],
            storefront_link=_storefront_link(store, product),
            currency=store.currency,
        ),
        status=status,
    )


def _show_held(*, store: Store, product: Product, variants: list[Variant], rows: list[cf.VariantRow]) -> None:
    """Put on each saved variant's row the units that unpaid orders hold of it (one query)."""
    held = order_selectors.units_held_for_product(store=store, product_id=product.pk)
    if not held:
        return
    by_key = {_row_key(v.option_values): held.get(v.pk, 0) for v in variants}
    for row in rows:
        row.held = by_key.get(_row_key(row.key), 0)


def _row_key(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(str(v).casefold() for v in values)


def _storefront_link(store: Store, product: Product | None) -> dict[str, str] | None:
    """The "View on storefront" link for a published product; a signed preview link for any other saved one."""
    if product is None:
        return None
    path = f"/products/{product.handle}/"
    if product.status == ProductStatus.PUBLISHED:
        return {"label": "View on storefront", "url": store_url(store, path)}
    return {
        "label": "Preview on storefront",
        "url": store_url(store, f"{path}?preview={preview_token(product=product)}"),
    }


@store_page()
@require_http_methods(["GET", "POST"])
def product_delete(request: StorePageRequest, product_id: int) -> HttpResponse:
    store = _store(request)
    product = _product(request, product_id)
    if request.method == "POST":
        services.product_delete(store=store, actor=_actor(request), product=product)
        messages.success(request, f"“{product.title}” is deleted.")
        return redirect("backoffice:catalog_product_list")
    return render(request, "backoffice/catalog/product_delete.html", _ctx(request, product=product))


def _product(request: StorePageRequest, product_id: int) -> Product:
    try:
        return selectors.product_for_office(store=_store(request), product_id=product_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- product images ----------------------------------------------------------------------


@store_page()
@require_POST
def product_images_upload(request: StorePageRequest, product_id: int) -> HttpResponse:
    """Add the uploaded files one by one: a good file is kept even when its neighbour is refused.

    JavaScript sends one file per request and asks for JSON (to show each
    file's progress and message); the plain form sends them all and comes
    back to the product page with a message per file.
    """
    store = _store(request)
    product = _product(request, product_id)
    uploads = request.FILES.getlist("images")
    added: list[ProductImage] = []
    refused: list[dict[str, str]] = []
    if not uploads:
        refused.append({"file": "", "message": "Choose one or more image files."})
    for upload in uploads:
        name = (upload.name or "file")[:100]
        try:
            added.append(services.product_image_add(store=store, actor=_actor(request), product=product, upload=upload))
        except ApplicationError as exc:
            refused.append({"file": name, "message": _first_message(exc)})
    if _wants_json(request):
        return JsonResponse(
            {
                "images": [{"id": image.pk, "thumb": thumb_url(image.renditions)} for image in added],
                "errors": refused,
            },
            status=400 if refused and not added else 200,
        )
    if added:
        messages.success(request, f"{len(added)} image(s) added.")
    for problem in refused:
        messages.error(request, f"{problem['file']}: {problem['message']}" if problem["file"] else problem["message"])
    return redirect(reverse("backoffice:catalog_product_edit", args=[product.pk]) + "#images")


def _first_message(exc: ApplicationError) -> str:
    for field_messages in exc.fields.values():
        if field_messages:
            return field_messages[0]
    return exc.message


@store_page()
@require_POST
def product_images_manage(request: StorePageRequest, product_id: int) -> HttpResponse:
    """One form for the image list: save an alt text, move up/down, reorder (drag), delete."""
    store = _store(request)
    product = _product(request, product_id)
    actor = _actor(request)
    image_id = ""
    try:
        if delete := request.POST.get("delete", ""):
            image_id = delete
            image = _image(store, product, delete)
            services.product_image_delete(store=store, actor=actor, image=image)
            messages.success(request, "The image is deleted.")
        elif move := request.POST.get("move", ""):
            image_id, _, direction = move.partition(":")
            order = _moved(selectors.product_image_ids(store=store, product=product), image_id, direction)
            services.product_images_reorder(store=store, actor=actor, product=product, image_ids=order)
        elif "order" in request.POST:
            order = [int(v) for v in request.POST["order"].split(",") if cf.is_id(v.strip())]
            services.product_images_reorder(store=store, actor=actor, product=product, image_ids=order)
        elif save := request.POST.get("save_alt", ""):
            image_id = save
            image = _image(store, product, save)
            alt = request.POST.get(f"alt-{image.pk}", "")
            services.product_image_update(store=store, actor=actor, image=image, alt=alt)
            messages.success(request, "The alt text is saved.")
    except ApplicationError as exc:
        if _wants_json(request):
            return JsonResponse({"errors": [{"file": "", "message": _first_message(exc)}]}, status=400)
        editing = _editing(request, product.pk)
        key = int(image_id) if cf.is_id(image_id) else 0
        return _render_product(
            request,
            form=cf.ProductForm(initial=cf.ProductForm.initial_for(editing.product)),
            options=cf.options_from_product(editing.options),
            rows=[cf.VariantRow.from_variant(v) for v in editing.variants],
            product=editing.product,
            images=editing.images,
            variants=editing.variants,
            image_errors={key: [_first_message(exc)]} if key else {},
            errors=[] if key else [_first_message(exc)],
            status=400,
        )
    if _wants_json(request):
        return JsonResponse({"ok": True})
    return redirect(reverse("backoffice:catalog_product_edit", args=[product.pk]) + "#images")


def _image(store: Store, product: Product, image_id: str) -> ProductImage:
    if not cf.is_id(image_id):
        raise Http404("This image does not exist.")
    try:
        return selectors.product_image_for_office(store=store, product=product, image_id=int(image_id))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _moved(order: list[int], image_id: str, direction: str) -> list[int]:
    if not cf.is_id(image_id) or int(image_id) not in order:
        raise Http404("This image does not exist.")
    i = order.index(int(image_id))
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


# --- collections ----------------------------------------------------------------------------


@store_page()
@require_GET
def collection_list(request: StorePageRequest) -> HttpResponse:
    collections = list(selectors.collections_for_office(store=_store(request)))
    return render(request, "backoffice/catalog/collection_list.html", _ctx(request, collections=collections))


@store_page()
@require_http_methods(["GET", "POST"])
def collection_new(request: StorePageRequest) -> HttpResponse:
    if request.method == "GET":
        form = cf.CollectionForm(initial=cf.CollectionForm.initial_for(None))
        return _render_collection(request, form=form, rules=[], match="all", collection=None)
    return _save_collection(request, collection=None)


@store_page()
@require_http_methods(["GET", "POST"])
def collection_edit(request: StorePageRequest, collection_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    if request.method == "GET":
        form = cf.CollectionForm(initial=cf.CollectionForm.initial_for(collection))
        rules = cf.rules_from_collection(collection)
        match = "all" if collection.match_all else "any"
        return _render_collection(request, form=form, rules=rules, match=match, collection=collection)
    return _save_collection(request, collection=collection)


def _collection(request: StorePageRequest, collection_id: int) -> Collection:
    try:
        return selectors.collection_for_office(store=_store(request), collection_id=collection_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _save_collection(request: StorePageRequest, *, collection: Collection | None) -> HttpResponse:
    form = cf.CollectionForm(request.POST)
    rules = cf.rules_from_post(request.POST)
    match = "any" if request.POST.get("match") == "any" else "all"
    # Optional text and checkboxes: the service checks the rules; the form refuses only a NUL byte.
    if not form.is_valid():
        return _render_collection(
            request, form=form, rules=rules, match=match, collection=collection, errors=[INVALID], status=400
        )
    data = cf.collection_input(form, rules, match=match)
    store = _store(request)
    try:
        if collection is None:
            saved = services.collection_create(store=store, actor=_actor(request), data=data)
        else:
            saved = services.collection_update(store=store, actor=_actor(request), collection=collection, data=data)
    except ApplicationError as exc:
        leftover = cf.attach_errors(exc, form, {"rules": rules})
        return _render_collection(
            request,
            form=form,
            rules=rules,
            match=match,
            collection=collection,
            errors=[exc.message, *(m for key, ms in leftover.items() if key != "rules" for m in ms)],
            rule_errors=leftover.get("rules", []),
            status=400,
        )
    messages.success(request, f"“{saved.title}” is saved.")
    return redirect("backoffice:catalog_collection_edit", collection_id=saved.pk)


def _render_collection(
    request: StorePageRequest,
    *,
    form: cf.CollectionForm,
    rules: list[cf.RuleRow],
    match: str,
    collection: Collection | None,
    errors: list[str] | None = None,
    rule_errors: list[str] | None = None,
    product_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    store = _store(request)
    members: list[Product] = []
    found: list[Product] = []
    query = selectors.search_term(request.GET.get("q", ""))
    if collection is not None and collection.kind == CollectionKind.MANUAL:
        members = selectors.collection_products_in_order(store=store, collection=collection)
        found = selectors.products_matching(store=store, query=query, exclude_ids={p.pk for p in members})
    return render(
        request,
        "backoffice/catalog/collection_form.html",
        _ctx(
            request,
            form=form,
            collection=collection,
            rule_rows=cf.padded(rules, cf.RuleRow, cf.MAX_RULES),
            rule_fields=cf.RULE_FIELDS,
            rule_ops=cf.RULE_OPS,
            match=match,
            errors=errors or [],
            rule_errors=rule_errors or [],
            members=members,
            found=found,
            query=query,
            product_errors=product_errors or [],
            storefront_url=store_url(store, f"/collections/{collection.handle}/") if collection else "",
        ),
        status=status,
    )


@store_page()
@require_POST
def collection_products(request: StorePageRequest, collection_id: int) -> HttpResponse:
    """Save a manual collection's products and their order (see catalog_forms.collection_order_from_post)."""
    store = _store(request)
    collection = _collection(request, collection_id)
    order = cf.collection_order_from_post(request.POST)
    try:
        services.collection_set_products(store=store, actor=_actor(request), collection=collection, product_ids=order)
    except ApplicationError as exc:
        form = cf.CollectionForm(initial=cf.CollectionForm.initial_for(collection))
        return _render_collection(
            request,
            form=form,
            rules=cf.rules_from_collection(collection),
            match="all" if collection.match_all else "any",
            collection=collection,
            product_errors=[m for ms in exc.fields.values() for m in ms] or [exc.message],
            status=400,
        )
    messages.success(request, "The collection's products are saved.")
    return redirect(reverse("backoffice:catalog_collection_edit", args=[collection.pk]) + "#products")


@store_page()
@require_http_methods(["GET", "POST"])
def collection_delete(request: StorePageRequest, collection_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    if request.method == "POST":
        services.collection_delete(store=_store(request), actor=_actor(request), collection=collection)
        messages.success(request, f"“{collection.title}” is deleted.")
        return redirect("backoffice:catalog_collection_list")
    return render(request, "backoffice/catalog/collection_delete.html", _ctx(request, collection=collection))
