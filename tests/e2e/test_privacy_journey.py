"""Privacy in Chromium (issue #5): a customer exports, then deletes, their data; a visitor answers the cookie banner.

The data journey: Cora, a customer of Harbour Lights with a paid and shipped
order, opens Account → Privacy, asks for a copy of her data, confirms it with
a 6-digit code from the email, follows the emailed one-time link and
downloads the ZIP (opened here: one JSON file per kind of data, a README that
names the storage region); the same link then answers 410. She asks for her
account to be deleted and confirms with her password. The owner signs in to
the back office, finds the request in Privacy requests with its deadline and
erases the account (the job runs within the request: Huey is immediate in
tests); the request shows completed with a clean residue scan. Cora can no
longer sign in, and the owner's order list and order page say "Deleted
customer" with none of her details, not even masked; the Reveal button of a
page opened before the erasure is refused.

Emails are read where a developer reads them, in the development outbox
(/dev/outbox/): the ORM is off limits while Playwright runs (see
tests/e2e/conftest.py). Screenshots of each step go to test-artifacts/e2e.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from shopwright.core.audit import Actor
from shopwright.orders.services import order_fulfil
from shopwright.privacy.cookies import NECESSARY, cookie_registry
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.checkout_factories import address, make_shipping
from tests.e2e.conftest import Customer, Merchant, Pages, Site
from tests.e2e.test_checkout_journey import Shot
from tests.e2e.test_order_journey import sign_in_at_store, sign_in_to_office
from tests.factories import PASSWORD, make_customer
from tests.order_factories import make_paid_order, make_variant

pytestmark = pytest.mark.browser

REGION = "eu-central"
PHONE = "+49 30 901820"
STREET = "Friedrichstraße 43"
POSTAL_CODE = "10117"
CARRIER = "DHL"
TRACKING = "00340434161234567890"


@pytest.fixture(autouse=True)
def _own_export_folder(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Export ZIPs in this test's folder: the residue scan reads every file there, not other runs' exports."""
    settings.PRIVATE_EXPORT_ROOT = tmp_path / "exports"


@dataclass
class Cora:
    """The customer, and her paid and shipped order #number; written before the browser starts."""

    customer: Customer
    number: int


@pytest.fixture
def cora(merchant: Merchant) -> Cora:
    """Cora's account and her order, paid and shipped to her Berlin address; the store keeps its data in REGION."""
    store = merchant.store
    Store.objects.filter(pk=store.pk).update(data_region=REGION)
    made = make_customer(store, email="cora@example.com", name="Cora Customer")
    variant = make_variant(store, price="24.00", title="Storm Lantern")
    order = make_paid_order(
        store,
        [(variant, 1)],
        customer=made,
        method=make_shipping(store),
        email=made.email,
        phone=PHONE,
        shipping_address=address(name=made.name, street_address=STREET, postal_code=POSTAL_CODE, city="BERLIN"),
    )
    order_fulfil(store=store, order=order, actor=Actor.system(), carrier=CARRIER, tracking_number=TRACKING)
    return Cora(customer=Customer(email=made.email, password=PASSWORD, name=made.name), number=order.number)


# --- steps ---------------------------------------------------------------------------------


def outbox_message(page: Page, site: Site, subject: str, to: str) -> Locator:
    """The one message with `subject` in the development outbox, checked to be addressed to `to`."""
    page.goto(site.platform("/dev/outbox/"))
    message = page.locator("article.outbox-message").filter(has_text=subject)
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"To: {to}")
    return message


def open_privacy(page: Page) -> None:
    page.get_by_role("link", name="Privacy", exact=True).click()
    expect(page.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()


def expect_nothing_of(page: Page, secrets: list[str]) -> None:
    """None of the texts anywhere in the page's body, in any letter case (masked forms keep parts of them)."""
    for secret in secrets:
        expect(page.locator("body")).not_to_contain_text(re.compile(re.escape(secret), re.IGNORECASE))


def test_customer_exports_then_deletes_their_data_and_the_merchant_erases_it(
    cora: Cora, merchant: Merchant, pages: Pages, site: Site, shot: Shot
) -> None:
    me = cora.customer
    store_url = site.store(merchant.handle)

    # Account → Privacy: the switches, the rights and no requests yet.
    shopper = pages.open()
    sign_in_at_store(shopper, site, merchant.handle, me)
    open_privacy(shopper)
    expect(shopper.locator("table.privacy-requests")).to_contain_text("No requests yet.")
    shot(shopper, "account-privacy")

    # "Download my data": confirmed with the 6-digit code from the email.
    shopper.get_by_role("button", name="Download my data").click()
    expect(shopper.get_by_role("heading", name="Export my data")).to_be_visible()
    expect(shopper.locator(".request-status")).to_have_text("Waiting for identity verification")
    shot(shopper, "export-verify")
    shopper.get_by_role("button", name="Email me a code").click()
    expect(shopper.locator(".messages")).to_contain_text("We emailed you a 6-digit code.")
    mail = shopper.context.new_page()
    message = outbox_message(mail, site, "Your code for a privacy request at Harbour Lights", me.email)
    found = re.search(r"\b\d{6}\b", message.locator(".message-body").inner_text())
    assert found is not None, "no 6-digit code in the email"
    shot(mail, "outbox-code")
    shopper.get_by_label("The 6-digit code we emailed you").fill(found.group(0))
    shopper.get_by_role("button", name="Confirm with the code").click()
    expect(shopper.locator(".messages")).to_contain_text("Verified. Your request is on its way.")
    # The export job ran (Huey is immediate in tests) and emailed the link: the request is answered.
    expect(shopper.locator(".request-status")).to_have_text("Completed")
    shot(shopper, "export-verified")

    # The emailed one-time link: a page with a button, the ZIP downloaded once.
    message = outbox_message(mail, site, "Your data from Harbour Lights is ready to download", me.email)
    link = message.locator('a[href*="/privacy/requests/download/"]')
    expect(link).to_have_attribute(
        "href", re.compile("^" + re.escape(site.store(merchant.handle, "/privacy/requests/download/")) + r"[^/]+/$")
    )
    shot(mail, "outbox-export-link")
    download_url = link.get_attribute("href")
    assert download_url is not None
    mail.close()
    shopper.goto(download_url)
    expect(shopper.get_by_role("heading", name="Download your data")).to_be_visible()
    shot(shopper, "download-page")
    with shopper.expect_download() as downloading:
        shopper.get_by_role("button", name="Download the ZIP file").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    path = download.path()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        readme = archive.read("README.txt").decode()
        files = {name: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    assert names == {"README.txt", *files}, names
    assert {"profile.json", "orders.json"} <= set(files), sorted(names)
    assert all(isinstance(records, list) and records for records in files.values()), "an empty category file"
    profile = files["profile.json"]
    assert [r.get("email") for r in profile if r.get("email")] == [me.email], profile
    assert any(r.get("name") == me.name for r in profile), profile
    ordered = json.dumps(files["orders.json"], ensure_ascii=False)
    assert str(cora.number) in ordered and STREET in ordered, "the order and its address are not in orders.json"
    assert f"Where the data is stored (storage region): {REGION}" in readme, readme[:600]
    for name in files:
        assert name.removesuffix(".json") in readme, f"the README does not explain {name}"

    # The same link a second time: used, 410, with a way to ask again.
    answer = shopper.goto(download_url)
    assert answer is not None and answer.status == 410, answer and answer.status
    expect(shopper.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(shopper.locator("#link-message")).to_contain_text("already used or has expired")
    shot(shopper, "download-used")

    # "Delete my account": confirmed with the password; it waits for the store.
    shopper.goto(site.store(merchant.handle, "/account/"))
    open_privacy(shopper)
    shopper.get_by_role("button", name="Delete my account").click()
    expect(shopper.get_by_role("heading", name="Delete my data")).to_be_visible()
    shopper.get_by_label("Your password").fill(me.password)
    shot(shopper, "deletion-verify")
    shopper.get_by_role("button", name="Confirm with my password").click()
    expect(shopper.locator(".messages")).to_contain_text("Verified. Your request is on its way.")
    expect(shopper.locator(".request-status")).to_have_text("Open")
    expect(shopper.locator("time")).to_have_count(1)  # answered by: the deadline
    shot(shopper, "deletion-verified")
    shopper.get_by_role("link", name="Back to Privacy").click()
    requests = shopper.locator("tr.privacy-request-row")
    expect(requests).to_have_count(2)
    expect(requests.filter(has_text="Export my data").locator(".request-status")).to_have_text("Completed")
    expect(requests.filter(has_text="Delete my data").locator(".request-status")).to_have_text("Open")
    shot(shopper, "account-privacy-requests")

    # The owner: the order as it was (a tab left open), then the privacy inbox with the deadline.
    office = pages.open()
    sign_in_to_office(office, site, merchant)
    stale = office.context.new_page()
    stale.goto(site.platform(f"/office/orders/{cora.number}/"))
    expect(stale.get_by_role("region", name="Customer")).to_contain_text("Registered customer")
    expect(stale.get_by_role("button", name="Reveal customer details")).to_be_visible()

    office.get_by_role("link", name="Privacy requests").click()
    expect(office.get_by_role("heading", name="Privacy requests")).to_be_visible()
    deletion = office.locator("tr.privacy-row").filter(has_text="Delete my data")
    expect(deletion).to_have_count(1)
    expect(deletion).to_contain_text("Open")
    expect(deletion.locator(".deadline")).to_have_text(re.compile(r"^1[45] days left \(\d{4}-\d\d-\d\d\)$"))
    expect(office.get_by_role("main")).not_to_contain_text(me.email)
    shot(office, "office-privacy-inbox")
    deletion.get_by_role("link").click()
    expect(office.get_by_role("heading", name=re.compile(r"^Privacy request #\d+: Delete my data"))).to_be_visible()
    expect(office.locator("#subject-email")).not_to_have_text(me.email)  # masked
    expect(office.locator("dd.deadline")).to_contain_text("days left")
    shot(office, "office-privacy-request")

    # Erase: the account is locked, the job erases it and scans for residue, all within this request.
    office.get_by_role("button", name="Erase the account and data").click()
    expect(office.locator(".messages")).to_contain_text("The account is locked and its erasure is running.")
    expect(office.locator("#request-status")).to_have_text("Completed")
    expect(office.locator("#subject-email")).to_have_text("(erased)")
    timeline = office.locator(".timeline-entry")
    expect(timeline.filter(has_text="Account locked; erasure started")).to_have_count(1)
    expect(timeline.filter(has_text="Erasure finished")).to_have_count(1)
    expect(timeline.filter(has_text="Residue scan done")).to_have_count(1)
    expect(office.locator("#residue-report")).to_have_text(re.compile(r"^Clean"))
    expect(office.get_by_role("button", name="Erase the account and data")).to_have_count(0)
    shot(office, "office-erased")

    # Cora can no longer sign in, with the right password.
    shopper.context.clear_cookies()
    shopper.goto(site.store(merchant.handle, "/account/login/"))
    shopper.get_by_label("Email").fill(me.email)
    shopper.get_by_label("Password").fill(me.password)
    shopper.get_by_role("button", name="Sign in").click()
    expect(shopper.locator(".errorlist.nonfield")).to_contain_text("The email or password is not correct.")
    expect(shopper.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(shopper, "login-refused")
    shopper.goto(site.store(merchant.handle, "/account/privacy/"))
    expect(shopper).to_have_url(re.compile(re.escape(store_url + "account/login/")))

    # The order list and the order page: "Deleted customer", nothing of hers, not even masked.
    secrets = [me.email, "cora", STREET, "Friedrichstr", POSTAL_CODE, "901820", "Berlin", TRACKING]
    office.get_by_role("link", name="Orders", exact=True).click()
    row = office.locator("tr.order-row").filter(has_text=f"#{cora.number}")
    expect(row).to_have_count(1)
    expect(row.locator(".customer")).to_have_text("Deleted customer")
    expect_nothing_of(office, secrets)
    shot(office, "office-orders-deleted-customer")
    row.get_by_role("link", name=f"#{cora.number}").click()
    customer_card = office.get_by_role("region", name="Customer")
    expect(customer_card.locator("#deleted-customer")).to_have_text("Deleted customer")
    expect(office.get_by_role("button", name="Reveal customer details")).to_have_count(0)
    expect(office.locator("#order-status")).to_have_text("Fulfilled")
    expect(office.locator("tr.order-line")).to_contain_text("Storm Lantern")
    expect(office.get_by_role("main")).not_to_contain_text("until you reveal")  # nothing left to reveal
    expect_nothing_of(office, secrets)
    shot(office, "office-order-deleted-customer")

    # Her email finds nothing in the order search any more.
    office.get_by_role("link", name="All orders").click()
    office.get_by_role("search").get_by_label("Search").fill(me.email)
    office.get_by_role("button", name="Filter").click()
    expect(office.locator("tr.order-row")).to_have_count(0)
    expect(office.get_by_role("main")).to_contain_text("No order matches these filters.")
    shot(office, "office-order-search-by-email")

    # The Reveal button of the tab opened before the erasure: refused, nothing shown.
    with stale.expect_response(re.compile(r"/reveal/$")) as revealing:
        stale.get_by_role("button", name="Reveal customer details").click()
    assert revealing.value.status == 403, revealing.value.status
    expect(stale.locator(".messages")).to_contain_text("there is nothing to reveal")
    expect(stale.locator("#revealed-notice")).to_have_count(0)
    expect_nothing_of(stale, secrets)
    shot(stale, "office-reveal-refused")


# --- the cookie banner ------------------------------------------------------------------------

NECESSARY_COOKIES = {info.name for info in cookie_registry() if info.category == NECESSARY}


def cookie_names(page: Page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


@pytest.fixture
def lantern(merchant: Merchant) -> str:
    """A product to put in the cart; its page's path. Written before the browser starts."""
    product = make_product(merchant.store, price="24.00", title="Storm Lantern")
    return f"/products/{product.handle}/"


def test_fresh_visitor_answers_the_cookie_banner_and_still_shops(
    lantern: str, merchant: Merchant, page: Page, site: Site, shot: Shot
) -> None:
    # A first visit: the banner, and only necessary cookies (none of them optional).
    page.goto(site.store(merchant.handle))
    banner = page.get_by_role("region", name="Cookie consent")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Necessary cookies keep you signed in")
    expect(banner.get_by_role("button", name="Accept all")).to_be_visible()
    expect(banner.get_by_role("link", name="Choose…")).to_be_visible()
    assert cookie_names(page) <= NECESSARY_COOKIES, cookie_names(page) - NECESSARY_COOKIES
    shot(page, "banner")

    # "Necessary only": the banner goes, the choice is remembered in its own necessary cookie.
    banner.get_by_role("button", name="Necessary only").click()
    expect(page).to_have_url(site.store(merchant.handle))
    expect(page.get_by_role("region", name="Cookie consent")).to_have_count(0)
    names = cookie_names(page)
    assert "sw_consent" in names, names
    assert names <= NECESSARY_COOKIES, names - NECESSARY_COOKIES
    page.reload()
    expect(page.get_by_role("region", name="Cookie consent")).to_have_count(0)
    shot(page, "necessary-only")

    # The cart works on necessary cookies alone.
    page.goto(site.store(merchant.handle, lantern))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-toast")).to_contain_text("Added 1 × Storm Lantern to your cart.")
    page.goto(site.store(merchant.handle, "/cart/"))
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line")).to_contain_text("Storm Lantern")
    names = cookie_names(page)
    assert names <= NECESSARY_COOKIES, names - NECESSARY_COOKIES
    expect(page.get_by_role("region", name="Cookie consent")).to_have_count(0)
    shot(page, "cart")

    # The footer link reopens the choice: necessary always on, the others off as chosen.
    page.get_by_role("contentinfo").get_by_role("link", name="Cookie settings").click()
    expect(page).to_have_url(site.store(merchant.handle, "/privacy/cookies/"))
    expect(page.get_by_role("heading", name="Cookie settings")).to_be_visible()
    expect(page.get_by_label("Necessary (always on)")).to_be_checked()
    expect(page.get_by_label("Necessary (always on)")).to_be_disabled()
    for label in ("Preferences", "Analytics", "Marketing"):
        expect(page.get_by_label(label, exact=True)).not_to_be_checked()
    expect(page.get_by_role("main")).not_to_contain_text("You have not made a choice yet")
    expect(page.get_by_role("main")).to_contain_text("sw_consent")
    shot(page, "cookie-settings")
