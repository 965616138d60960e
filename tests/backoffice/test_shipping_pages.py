"""The back office's shipping settings: zones and methods through the real forms, for owners and admins only."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.core.models import AuditEntry
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.stores.models import Role
from tests.backoffice.catalog_helpers import cell_errors, form_fields, page_messages
from tests.factories import make_merchant
from tests.stores.helpers import add_member, field_errors, platform_client

pytestmark = pytest.mark.django_db

URL = "/office/settings/shipping/"


@pytest.fixture
def merchant():
    return make_merchant(store_name="Harbour Goods")


@pytest.fixture
def owner(merchant):
    return platform_client(merchant.user)


def _counts(store) -> tuple[int, int, int]:
    return (
        ShippingZone.objects.filter(store=store).count(),
        ShippingMethod.objects.filter(store=store).count(),
        AuditEntry.objects.filter(store_id=store.pk).count(),
    )


def _text(response) -> str:
    """The page's text as a reader sees it: tags dropped, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split()).replace(" ,", ",")


def _zone(store, name="Europe", areas=("DE", "FR")) -> ShippingZone:
    return ShippingZone.objects.create(store=store, name=name, areas=list(areas))


def test_an_owner_sets_up_a_zone_and_its_methods_through_the_forms(merchant, owner) -> None:
    store = merchant.store
    page = owner.get(URL)
    assert page.status_code == 200
    assert "Checkout can't take orders until you add a shipping zone" in page.content.decode()

    form = owner.get(URL + "zones/new/")
    assert '<option value="DE">Germany</option>' in form.content.decode()  # the country list
    fields = form_fields(form, "zone-form")
    fields.update(name="Europe", areas="Germany, fr", add_country="NL")
    response = owner.post(URL + "zones/new/", fields)
    assert response.status_code == 302, response.content.decode()
    zone = ShippingZone.objects.get(store=store)
    assert (zone.name, zone.areas) == ("Europe", ["DE", "FR", "NL"])

    form = owner.get(f"{URL}zones/{zone.pk}/methods/new/")
    fields = form_fields(form, "method-form")
    assert fields["zone"] == str(zone.pk) and fields["kind"] == "flat" and fields["is_active"] == "on"
    fields.update(name="Standard", price="4.90", free_above="75", delivery_estimate="2-4 business days")
    assert owner.post(f"{URL}zones/{zone.pk}/methods/new/", fields).status_code == 302

    fields = form_fields(owner.get(f"{URL}zones/{zone.pk}/methods/new/"), "method-form")
    fields.update(
        {
            "name": "Tracked",
            "kind": "weight",
            "brackets-0-up_to_grams": "500",
            "brackets-0-price": "6.50",
            # A blank row between filled ones is skipped.
            "brackets-2-up_to_grams": "2000",
            "brackets-2-price": "9.90",
        }
    )
    assert owner.post(f"{URL}zones/{zone.pk}/methods/new/", fields).status_code == 302

    standard, tracked = ShippingMethod.objects.filter(store=store).order_by("position")
    assert (standard.kind, standard.price, standard.free_above, standard.position) == (
        "flat",
        Decimal("4.90"),
        Decimal("75.00"),
        0,
    )
    assert tracked.kind == "weight"
    assert tracked.weight_brackets == [{"up_to_grams": 500, "price": "6.50"}, {"up_to_grams": 2000, "price": "9.90"}]
    assert tracked.position == 1

    html = _text(owner.get(URL))
    assert "Checkout can't take orders" not in html
    assert "Germany, France, Netherlands" in html
    assert "Standard" in html and "$4.90 · free from $75.00" in html
    assert "By weight: up to 500 g $6.50; up to 2,000 g $9.90" in html
    actions = AuditEntry.objects.filter(store_id=store.pk, action__startswith="shipping.").values_list(
        "action", "actor_id"
    )
    assert sorted(actions) == sorted(
        [
            ("shipping.zone_create", merchant.user.pk),
            ("shipping.method_create", merchant.user.pk),
            ("shipping.method_create", merchant.user.pk),
        ]
    )


def test_an_owner_edits_a_method_and_its_form_shows_what_is_saved(merchant, owner) -> None:
    store = merchant.store
    zone = _zone(store)
    other = _zone(store, "Domestic", ["GB"])
    method = ShippingMethod.objects.create(
        store=store,
        zone=zone,
        name="Tracked",
        kind="weight",
        weight_brackets=[{"up_to_grams": 500, "price": "6.50"}],
        is_active=True,
    )
    form = owner.get(f"{URL}methods/{method.pk}/")
    fields = form_fields(form, "method-form")
    assert (fields["name"], fields["kind"], fields["brackets-0-up_to_grams"], fields["brackets-0-price"]) == (
        "Tracked",
        "weight",
        "500",
        "6.50",
    )
    fields.pop("is_active")  # untick "Offered at checkout"
    fields.update({"zone": str(other.pk), "brackets-1-up_to_grams": "1000", "brackets-1-price": "8"})
    assert owner.post(f"{URL}methods/{method.pk}/", fields).status_code == 302
    method.refresh_from_db()
    assert method.zone_id == other.pk and method.is_active is False
    assert method.weight_brackets[-1] == {"up_to_grams": 1000, "price": "8.00"}
    assert "Hidden" in owner.get(URL).content.decode()


def test_bad_input_is_a_400_with_the_message_beside_the_field_and_nothing_saved(merchant, owner) -> None:
    store = merchant.store
    zone = _zone(store)
    before = _counts(store)

    response = owner.post(URL + "zones/new/", {"name": "Germany again", "areas": "DE, Narnia"})
    assert response.status_code == 400
    assert field_errors(response, "areas") == [
        "“Narnia” is not a country: use a code such as DE or a name such as Germany.",
        "Germany (DE) is already in the zone “Europe”: a country or region belongs to one zone only.",
    ]
    assert form_fields(response, "zone-form")["areas"] == "DE, Narnia"  # what was typed stays

    url = f"{URL}zones/{zone.pk}/methods/new/"
    fields = form_fields(owner.get(url), "method-form")
    fields.update(
        {
            "name": "Tracked",
            "kind": "weight",
            "price": "-1",
            "brackets-0-up_to_grams": "2000",
            "brackets-0-price": "9",
            "brackets-3-up_to_grams": "500",
            "brackets-3-price": "5.999",
        }
    )
    response = owner.post(url, fields)
    assert response.status_code == 400
    assert "Please correct the errors below." in _text(response)
    assert field_errors(response, "price") == ["The price cannot be below zero."]
    # The messages land on the row they were typed in (row 3), not on the service's index (1).
    assert cell_errors(response, "brackets-3-up_to_grams") == [
        "Each bracket goes up to more than the one before (2,000 g): list them from light to heavy."
    ]
    assert cell_errors(response, "brackets-3-price") == ["The price has at most 2 decimal places."]
    assert cell_errors(response, "brackets-1-price") == []
    assert form_fields(response, "method-form")["brackets-3-price"] == "5.999"

    fields = form_fields(owner.get(url), "method-form")
    fields.update(name="Tracked", kind="weight")
    response = owner.post(url, fields)
    assert response.status_code == 400
    assert field_errors(response, "weight_brackets") == [
        "Add at least one weight bracket: up to how many grams, and its price."
    ]

    response = owner.post(url, {**fields, "name": "Nul\x00", "kind": "flat", "price": "1"})
    assert response.status_code == 400
    assert field_errors(response, "name") == ["Null characters are not allowed."]
    assert _counts(store) == before


def test_deleting_a_zone_asks_first_then_deletes_it_with_its_methods(merchant, owner) -> None:
    store = merchant.store
    zone = _zone(store)
    ShippingMethod.objects.create(store=store, zone=zone, name="Standard", price=Decimal(5))
    confirm = owner.get(f"{URL}zones/{zone.pk}/delete/")
    assert confirm.status_code == 200
    assert "its methods go with it: Standard" in confirm.content.decode()
    assert ShippingZone.objects.filter(store=store).exists()

    response = owner.post(f"{URL}zones/{zone.pk}/delete/", follow=True)
    assert page_messages(response) == ["The zone “Europe” and its methods are deleted."]
    assert _counts(store)[:2] == (0, 0)


def test_another_stores_zone_and_method_are_404(merchant, owner) -> None:
    foreign = make_merchant().store
    zone = _zone(foreign)
    method = ShippingMethod.objects.create(store=foreign, zone=zone, name="Theirs", price=Decimal(5))
    before = _counts(foreign)
    for path in (
        f"zones/{zone.pk}/",
        f"zones/{zone.pk}/delete/",
        f"zones/{zone.pk}/methods/new/",
        f"methods/{method.pk}/",
        f"methods/{method.pk}/delete/",
    ):
        assert owner.get(URL + path).status_code == 404, path
        assert owner.post(URL + path, {"name": "Mine", "areas": "FR", "kind": "flat", "price": "1"}).status_code == 404
    # Posting another store's zone id into one's own method form is refused as a bad choice.
    mine = _zone(merchant.store, "Mine", ["GB"])
    fields = form_fields(owner.get(f"{URL}zones/{mine.pk}/methods/new/"), "method-form")
    response = owner.post(
        f"{URL}zones/{mine.pk}/methods/new/", {**fields, "zone": str(zone.pk), "name": "X", "price": "1"}
    )
    assert response.status_code == 400
    assert _counts(foreign) == before
    assert not ShippingMethod.objects.filter(store=merchant.store).exists()


@pytest.mark.parametrize("role", [Role.STAFF])
def test_staff_cannot_open_or_change_shipping_settings(
    merchant, role, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    zone = _zone(merchant.store)
    member = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=role,
        email="clerk@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    clerk = platform_client(member.user)
    before = _counts(merchant.store)
    assert clerk.get(URL).status_code == 403
    assert clerk.post(URL + "zones/new/", {"name": "Mine", "areas": "GB"}).status_code == 403
    assert clerk.post(f"{URL}zones/{zone.pk}/delete/").status_code == 403
    assert _counts(merchant.store) == before


def test_an_admin_may_change_shipping_settings(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    member = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.ADMIN,
        email="admin@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    admin = platform_client(member.user)
    assert admin.post(URL + "zones/new/", {"name": "Home", "areas": "GB"}).status_code == 302
    entry = AuditEntry.objects.get(store_id=merchant.store.pk, action="shipping.zone_create")
    assert entry.actor_id == member.user.pk


def test_forms_need_the_csrf_token(merchant) -> None:
    from django.test import Client

    browser = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    browser.force_login(merchant.user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
    assert browser.post(URL + "zones/new/", {"name": "Home", "areas": "GB"}).status_code == 403
    assert not ShippingZone.objects.filter(store=merchant.store).exists()
    assert 'name="csrfmiddlewaretoken"' in browser.get(URL + "zones/new/").content.decode()


@pytest.mark.parametrize("zones", [1, 8])
def test_the_settings_page_runs_the_same_queries_for_few_or_many_zones(merchant, owner, zones) -> None:
    for i in range(zones):
        zone = _zone(
            merchant.store, f"Zone {i}", [f"US-{code}" for code in ("CA", "NY", "TX")] if i == 0 else [f"C{i}"]
        )
        for j in range(3):
            ShippingMethod.objects.create(store=merchant.store, zone=zone, name=f"M{j}", price=Decimal(j))
    with CaptureQueriesContext(connection) as queries:
        assert owner.get(URL).status_code == 200
    # Session, user, membership (and the session's save), then zones and methods: two, however many.
    assert len([q for q in queries.captured_queries if "shipping_" in q["sql"]]) == 2
    assert len(queries) <= 8
