"""The back office's tax settings: the "prices include tax" switch and the rates, for owners and admins only."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from shopwright.core.models import AuditEntry
from shopwright.stores.models import Role, Store
from shopwright.taxes.models import TaxRate
from tests.backoffice.catalog_helpers import form_fields, page_messages
from tests.checkout_factories import make_tax
from tests.factories import make_merchant
from tests.stores.helpers import add_member, field_errors, platform_client

pytestmark = pytest.mark.django_db

URL = "/office/settings/taxes/"


@pytest.fixture
def merchant():
    return make_merchant(store_name="Harbour Goods")


@pytest.fixture
def owner(merchant):
    return platform_client(merchant.user)


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _state(store: Store) -> tuple[list[tuple[str, str, Decimal, bool]], bool, int]:
    return (
        list(
            TaxRate.objects.filter(store=store)
            .order_by("area")
            .values_list("area", "name", "rate", "applies_to_shipping")
        ),
        Store.objects.get(pk=store.pk).prices_include_tax,
        AuditEntry.objects.filter(store_id=store.pk).count(),
    )


def test_an_owner_adds_edits_and_deletes_a_rate_through_the_forms(merchant, owner) -> None:
    store = merchant.store
    page = owner.get(URL)
    assert page.status_code == 200
    assert "No tax rates yet" in _text(page)

    form = owner.get(URL + "rates/new/")
    assert '<option value="DE">Germany</option>' in form.content.decode()
    fields = form_fields(form, "rate-form")
    assert fields["applies_to_shipping"] == "on"  # ticked by default
    fields.update(area="us-ca", name="Sales tax", rate="7.25")
    fields.pop("applies_to_shipping")
    response = owner.post(URL + "rates/new/", fields, follow=True)
    assert page_messages(response) == ["The rate for California (United States of America) is saved."]
    assert "California (United States of America) US-CA Sales tax 7.25 % Not taxed" in _text(response)

    rate = TaxRate.objects.get(store=store)
    fields = form_fields(owner.get(f"{URL}rates/{rate.pk}/"), "rate-form")
    assert fields == {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "name": "Sales tax", "rate": "7.25"}
    fields.update(rate="7.5", applies_to_shipping="on", area="DE")  # the area of a saved rate is not changed
    assert owner.post(f"{URL}rates/{rate.pk}/", fields).status_code == 302
    assert _state(store)[0] == [("US-CA", "Sales tax", Decimal("7.5"), True)]

    assert "Delete the tax rate for California" in _text(owner.get(f"{URL}rates/{rate.pk}/delete/"))
    assert owner.post(f"{URL}rates/{rate.pk}/delete/").status_code == 302
    assert _state(store)[0] == []
    actions = AuditEntry.objects.filter(store_id=store.pk, action__startswith="taxes.").order_by("id")
    assert [(e.action, e.actor_id) for e in actions] == [
        ("taxes.rate_create", merchant.user.pk),
        ("taxes.rate_update", merchant.user.pk),
        ("taxes.rate_delete", merchant.user.pk),
    ]


def test_the_prices_include_tax_switch(merchant, owner) -> None:
    store = merchant.store
    fields = form_fields(owner.get(URL), "prices-form")
    assert "prices_include_tax" not in fields  # off by default
    response = owner.post(URL + "prices/", {**fields, "prices_include_tax": "on"}, follow=True)
    assert page_messages(response) == ["Your prices now include tax: checkout shows the tax they contain."]
    assert form_fields(response, "prices-form")["prices_include_tax"] == "on"
    assert Store.objects.get(pk=store.pk).prices_include_tax is True

    owner.post(URL + "prices/", fields)  # the box unticked
    assert Store.objects.get(pk=store.pk).prices_include_tax is False
    entries = AuditEntry.objects.filter(store_id=store.pk, action="taxes.prices_include_tax")
    assert [e.actor_id for e in entries] == [merchant.user.pk, merchant.user.pk]


def test_bad_input_is_a_400_with_the_message_beside_the_field_and_nothing_saved(merchant, owner) -> None:
    store = merchant.store
    make_tax(store, area="DE", rate="19", name="MwSt.")
    before = _state(store)

    response = owner.post(URL + "rates/new/", {"area": "Narnia", "name": "", "rate": "120"})
    assert response.status_code == 400
    assert field_errors(response, "area") == [
        "“Narnia” is not a country: use a code such as DE or a name such as Germany."
    ]
    assert field_errors(response, "name") == ["Enter a name for the tax (such as VAT)."]
    assert field_errors(response, "rate") == ["A tax rate is a percentage from 0 to 100."]
    assert form_fields(response, "rate-form")["area"] == "Narnia"

    response = owner.post(URL + "rates/new/", {"area": "Germany", "name": "VAT", "rate": "abc"})
    assert response.status_code == 400
    # Every problem at once: the taken area as well as the bad rate.
    assert field_errors(response, "area") == ["Germany already has a rate (MwSt., 19 %): edit that one instead."]
    assert field_errors(response, "rate") == ["Enter the rate as a percentage such as 19 or 7.25."]

    rate = TaxRate.objects.get(store=store)
    response = owner.post(f"{URL}rates/{rate.pk}/", {"name": "MwSt.", "rate": "19.12345"})
    assert response.status_code == 400
    assert field_errors(response, "rate") == ["A tax rate has at most 4 decimal places."]

    response = owner.post(URL + "rates/new/", {"area": "FR\x00", "name": "TVA", "rate": "20"})
    assert response.status_code == 400
    assert field_errors(response, "area") == ["Null characters are not allowed."]
    assert _state(store) == before


def test_another_stores_rate_is_404(merchant, owner) -> None:
    foreign = make_merchant().store
    theirs = make_tax(foreign, area="DE", rate="19")
    for path in (f"rates/{theirs.pk}/", f"rates/{theirs.pk}/delete/"):
        assert owner.get(URL + path).status_code == 404
        assert owner.post(URL + path, {"name": "Mine", "rate": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.rate) == ("VAT", Decimal("19"))


def test_staff_cannot_open_or_change_tax_settings(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    rate = make_tax(merchant.store, area="DE", rate="19")
    member = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="clerk@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    clerk = platform_client(member.user)
    before = _state(merchant.store)
    assert clerk.get(URL).status_code == 403
    assert clerk.post(URL + "prices/", {"prices_include_tax": "on"}).status_code == 403
    assert clerk.post(URL + "rates/new/", {"area": "FR", "name": "TVA", "rate": "20"}).status_code == 403
    assert clerk.post(f"{URL}rates/{rate.pk}/delete/").status_code == 403
    assert _state(merchant.store) == before
