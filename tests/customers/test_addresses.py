"""A customer's saved addresses: the services (checked per country, one default) and the /account/addresses/ pages."""

from __future__ import annotations

import pytest

from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry
from shopwright.customers import addresses
from shopwright.customers.models import Address
from tests.cart.helpers import browser, signed_in
from tests.checkout.helpers import text
from tests.checkout_factories import address
from tests.factories import make_customer, make_merchant

pytestmark = pytest.mark.django_db

FORM = {
    "country": "DE",
    "name": "Erika Mustermann",
    "company": "",
    "street_address": "Hauptstraße 5",
    "city": "Berlin",
    "postal_code": "10115",
    "phone": "030 901820",
}


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant().store


def _rows(store, customer) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    return [
        (a.data["name"], a.is_default)
        for a in Address.objects.filter(store=store, customer=customer).order_by("created_at", "id")
    ]


# --- services ------------------------------------------------------------------------------------


def test_the_first_address_is_the_default_and_is_kept_normalised(store) -> None:
    customer = make_customer(store)
    home = addresses.address_create(
        store=store, customer=customer, data={**address(city="Berlin"), "phone": "030 901820"}
    )
    assert home.is_default and home.data["city"] == "BERLIN" and home.data["phone"] == "+4930901820"
    addresses.address_create(store=store, customer=customer, data=address(name="Work"))
    assert _rows(store, customer) == [("Erika Mustermann", True), ("Work", False)]
    assert AuditEntry.objects.filter(store_id=store.pk, action="customer.address_create").count() == 2


def test_a_bad_address_is_refused_and_nothing_is_saved(store) -> None:
    customer = make_customer(store)
    with pytest.raises(ApplicationError) as caught:
        addresses.address_create(store=store, customer=customer, data={**address(postal_code="ABC"), "phone": "12"})
    assert set(caught.value.fields) == {"postal_code", "phone"}
    assert _rows(store, customer) == []


def test_saving_the_same_address_twice_keeps_one(store) -> None:
    customer = make_customer(store)
    first = addresses.address_create(store=store, customer=customer, data=address())
    again = addresses.address_create(
        store=store, customer=customer, data={**address(city="berlin"), "phone": "030 901820"}
    )
    assert again.pk == first.pk and Address.objects.filter(store=store).count() == 1
    assert Address.objects.get(store=store, pk=first.pk).data["phone"] == "+4930901820"


def test_an_address_book_has_a_limit(store) -> None:
    customer = make_customer(store)
    for n in range(addresses.MAX_ADDRESSES):
        addresses.address_create(store=store, customer=customer, data=address(name=f"Place {n}"))
    with pytest.raises(ApplicationError) as caught:
        addresses.address_create(store=store, customer=customer, data=address(name="One too many"))
    assert caught.value.code == "too_many"


def test_default_moves_on_delete_and_on_request(store) -> None:
    customer = make_customer(store)
    home = addresses.address_create(store=store, customer=customer, data=address(name="Home"))
    work = addresses.address_create(store=store, customer=customer, data=address(name="Work"))
    addresses.address_set_default(store=store, customer=customer, address_id=work.pk)
    assert _rows(store, customer) == [("Home", False), ("Work", True)]
    addresses.address_delete(store=store, customer=customer, address_id=work.pk)
    assert _rows(store, customer) == [("Home", True)]
    assert addresses.address_default(store=store, customer=customer).pk == home.pk  # type: ignore[union-attr]


def test_another_customers_address_is_not_found(store) -> None:
    mine, theirs = make_customer(store), make_customer(store)
    their_address = addresses.address_create(store=store, customer=theirs, data=address(name="Theirs"))
    for call in (
        lambda: addresses.address_get(store=store, customer=mine, address_id=their_address.pk),
        lambda: addresses.address_update(store=store, customer=mine, address_id=their_address.pk, data=address()),
        lambda: addresses.address_delete(store=store, customer=mine, address_id=their_address.pk),
        lambda: addresses.address_set_default(store=store, customer=mine, address_id=their_address.pk),
    ):
        with pytest.raises(NotFound):
            call()
    assert _rows(store, theirs) == [("Theirs", True)]


# --- pages -------------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(store) -> None:
    response = browser(store).get("/account/addresses/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_a_customer_adds_edits_defaults_and_deletes_addresses(store) -> None:
    customer = make_customer(store)
    client = signed_in(store, customer.email)
    assert "No saved addresses yet" in text(client.get("/account/addresses/"))
    form_page = text(client.get("/account/addresses/new/"))
    assert 'name="country"' in form_page and 'name="phone"' in form_page

    created = client.post("/account/addresses/new/", FORM)
    assert created.status_code == 302 and created["Location"] == "/account/addresses/"
    listing = text(client.get("/account/addresses/"))
    assert "Erika Mustermann" in listing and "10115 BERLIN" in listing and "+4930901820" in listing
    assert "Default address" in listing
    (home,) = Address.objects.filter(store=store, customer=customer)

    client.post("/account/addresses/new/", {**FORM, "name": "Office", "postal_code": "10117"})
    office = Address.objects.get(store=store, customer=customer, is_default=False)
    assert client.post(f"/account/addresses/{office.pk}/default/").status_code == 302
    assert _rows(store, customer) == [("Erika Mustermann", False), ("Office", True)]

    edit_page = text(client.get(f"/account/addresses/{home.pk}/"))
    assert 'value="Erika Mustermann"' in edit_page
    edited = client.post(f"/account/addresses/{home.pk}/", {**FORM, "name": "Erika M."})
    assert edited.status_code == 302
    assert Address.objects.get(store=store, pk=home.pk).data["name"] == "Erika M."

    assert client.post(f"/account/addresses/{office.pk}/delete/").status_code == 302
    assert _rows(store, customer) == [("Erika M.", True)]


def test_a_bad_address_form_is_a_400_with_the_country_s_message(store) -> None:
    customer = make_customer(store)
    client = signed_in(store, customer.email)
    response = client.post("/account/addresses/new/", {**FORM, "country": "US", "postal_code": "1"})
    assert response.status_code == 400
    page = text(response)
    assert "Enter the state." in page and "This ZIP code is not valid for United States" in page
    assert not Address.objects.filter(store=store).exists()


def test_the_country_button_redraws_the_form_without_saving(store) -> None:
    client = signed_in(store, make_customer(store).email)
    response = client.post("/account/addresses/new/", {**FORM, "country": "JP", "refresh": "1"})
    assert response.status_code == 200 and "Prefecture" in text(response)
    assert not Address.objects.filter(store=store).exists()


def test_another_customers_address_pages_are_404(store) -> None:
    theirs = addresses.address_create(store=store, customer=make_customer(store), data=address(name="Theirs"))
    client = signed_in(store, make_customer(store).email)
    assert client.get(f"/account/addresses/{theirs.pk}/").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/", FORM).status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/default/").status_code == 404
    assert client.get("/account/addresses/99999999999999999999/").status_code == 404
    assert Address.objects.get(store=store, pk=theirs.pk).data["name"] == "Theirs"


def test_deleting_needs_a_post(store) -> None:
    customer = make_customer(store)
    home = addresses.address_create(store=store, customer=customer, data=address())
    client = signed_in(store, customer.email)
    assert client.get(f"/account/addresses/{home.pk}/delete/").status_code == 405
    assert Address.objects.filter(store=store).count() == 1


def test_the_address_list_runs_a_fixed_number_of_queries(store, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(store)
    for n in range(10):
        addresses.address_create(store=store, customer=customer, data=address(name=f"Place {n}"))
    client = signed_in(store, customer.email)
    with django_assert_max_num_queries(5):
        response = client.get("/account/addresses/")
    assert text(response).count("Edit</a>") == 10
