"""A merchant in the browser: signup, email verification, the back office, staff and the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, Merchant, Pages, Site

pytestmark = pytest.mark.browser

SIGNUP = {
    "email": "nora@example.com",
    "password": "quiet-orchard-compass",
    "full_name": "Nora Newcomer",
    "phone": "+44 20 7946 0958",
    "country": "GB",
    "industry": "home",
    "business_scale": "small",
    "store_name": "Lantern Goods",
    "store_handle": "lantern-goods",
}


def fill_signup(page: Page, data: dict[str, str]) -> None:
    page.get_by_label("Email").fill(data["email"])
    page.get_by_label("Password").fill(data["password"])
    page.get_by_label("Your name").fill(data["full_name"])
    page.get_by_label("Phone").fill(data["phone"])
    page.get_by_label("Country or region").select_option(data["country"])
    page.get_by_label("Industry").select_option(data["industry"])
    page.get_by_label("Business scale").select_option(data["business_scale"])
    page.get_by_label("Store name").fill(data["store_name"])
    page.get_by_label("Store address").fill(data["store_handle"])
    page.get_by_label("I have read the platform privacy policy.").check()


def sign_in(page: Page, site: Site, email: str, password: str) -> None:
    page.goto(site.platform("/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_outbox_link(page: Page, site: Site, subject: str, href_part: str) -> None:
    """Follow the link in the newest outbox message with this subject, as a newcomer would."""
    page.goto(site.platform("/"))
    page.get_by_role("link", name="Dev outbox").click()
    expect(page.get_by_role("heading", name="Development outbox")).to_be_visible()
    message = page.locator("article.outbox-message").filter(has_text=subject).first
    expect(message).to_be_visible()
    message.locator(f'a[href*="{href_part}"]').click()


def test_merchant_signs_up_verifies_the_email_and_the_store_goes_live(page: Page, site: Site, shot) -> None:
    page.goto(site.platform("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your own store")
    shot(page, "landing")

    page.get_by_role("main").get_by_role("link", name="Open a store").click()
    expect(page.get_by_role("heading", name="Open a store")).to_be_visible()
    fill_signup(page, SIGNUP)
    shot(page, "signup-filled")
    page.get_by_role("button", name="Create my store").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("Your store goes live when you follow it.")).to_be_visible()
    shot(page, "check-your-email")

    # Not open to the public before the owner verifies.
    response = page.goto(site.store("lantern-goods"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Lantern Goods opens soon")).to_be_visible()
    expect(page.get_by_text("This store is not open yet.")).to_be_visible()
    shot(page, "store-not-open")

    open_outbox_link(page, site, "Verify your email to open Lantern Goods", "/verify-email/")
    assert "/verify-email/" in page.url
    expect(page.get_by_role("heading", name="Your email is verified")).to_be_visible()
    store_link = page.get_by_role("link", name="lantern-goods.localhost")
    expect(store_link).to_have_attribute("href", site.store("lantern-goods"))
    shot(page, "verified")

    store_link.click()
    expect(page).to_have_url(site.store("lantern-goods"))
    expect(page.get_by_role("heading", name="Welcome to Lantern Goods")).to_be_visible()
    expect(page.locator("header .brand")).to_have_text("Lantern Goods")
    shot(page, "storefront-live")


def test_outbox_shows_the_verification_message_to_the_newcomer(page: Page, site: Site, shot) -> None:
    page.goto(site.platform("/signup/"))
    fill_signup(page, SIGNUP)
    page.get_by_role("button", name="Create my store").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="outbox").click()
    message = page.locator("article.outbox-message").filter(has_text="Verify your email to open Lantern Goods")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("To: nora@example.com")
    expect(message).to_contain_text("Hello Nora Newcomer")
    expect(message.locator('a[href*="/verify-email/"]')).to_have_attribute(
        "href", re.compile(rf"^{re.escape(site.platform('/verify-email/'))}[^/]+/$")
    )
    shot(page, "outbox")


def test_signup_with_a_taken_store_address_keeps_the_other_answers(
    merchant: Merchant, page: Page, site: Site, shot
) -> None:
    page.goto(site.platform("/signup/"))
    fill_signup(page, {**SIGNUP, "store_handle": merchant.handle})
    page.get_by_role("button", name="Create my store").click()

    expect(page.locator("#id_store_handle_errors")).to_have_text("This store address is taken. Please choose another.")
    expect(page.get_by_label("Email")).to_have_value(SIGNUP["email"])
    expect(page.get_by_label("Your name")).to_have_value(SIGNUP["full_name"])
    expect(page.get_by_label("Phone")).to_have_value(SIGNUP["phone"])
    expect(page.get_by_label("Country or region")).to_have_value(SIGNUP["country"])
    expect(page.get_by_label("Industry")).to_have_value(SIGNUP["industry"])
    expect(page.get_by_label("Business scale")).to_have_value(SIGNUP["business_scale"])
    expect(page.get_by_label("Store name")).to_have_value(SIGNUP["store_name"])
    expect(page.get_by_label("Store address")).to_have_value(merchant.handle)
    expect(page.get_by_label("I have read the platform privacy policy.")).to_be_checked()
    # The password is not sent back to the browser.
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator(".errorlist")).to_have_count(1)
    shot(page, "handle-taken")

    # Choosing another address is all it takes.
    page.get_by_label("Password").fill(SIGNUP["password"])
    page.get_by_label("Store address").fill("lantern-goods")
    page.get_by_role("button", name="Create my store").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def test_back_office_stores_staff_masking_and_audit_log(merchant: Merchant, pages: Pages, site: Site, shot) -> None:
    owner = pages.open()
    sign_in(owner, site, merchant.email, merchant.password)
    expect(owner).to_have_url(site.platform("/office/"))
    expect(owner.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
    expect(owner.locator("#store-status")).to_have_text("Live")
    expect(owner.locator("#storefront-link")).to_have_attribute("href", site.store("harbour-lights"))
    shot(owner, "dashboard")

    # A second store, live at once because the owner's email is verified.
    owner.get_by_role("link", name="New store").click()
    expect(owner.get_by_role("heading", name="Create another store")).to_be_visible()
    owner.get_by_label("Store name").fill("Tidewater Supply")
    owner.get_by_label("Store address").fill("tidewater")
    shot(owner, "new-store")
    owner.get_by_role("button", name="Create store").click()
    expect(owner.locator(".messages")).to_contain_text("Tidewater Supply is created.")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Tidewater Supply")
    expect(owner.locator("#store-status")).to_have_text("Live")
    switcher = owner.locator("#store-switcher select")
    expect(switcher.locator("option")).to_have_text(["Harbour Lights (Owner)", "Tidewater Supply (Owner)"])
    expect(switcher.locator("option:checked")).to_have_text("Tidewater Supply (Owner)")
    shot(owner, "second-store")

    # The switcher moves between the stores.
    switcher.select_option(label="Harbour Lights (Owner)")
    owner.get_by_role("button", name="Switch").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
    shot(owner, "switched-to-first")
    switcher.select_option(label="Tidewater Supply (Owner)")
    owner.get_by_role("button", name="Switch").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Tidewater Supply")
    switcher.select_option(label="Harbour Lights (Owner)")
    owner.get_by_role("button", name="Switch").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Harbour Lights")

    # Invite a staff member: the pending invitation shows the address masked.
    owner.get_by_role("link", name="Staff").click()
    expect(owner.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    owner.get_by_label("Email").fill("sam.clerk@example.com")
    owner.get_by_label("Role").select_option("staff")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.locator(".messages")).to_contain_text("The invitation is on its way.")
    pending = owner.locator(".card", has=owner.get_by_role("heading", name="Pending invitations"))
    expect(pending).to_contain_text("s***@example.com — Staff")
    expect(owner.locator("main")).not_to_contain_text("sam.clerk@example.com")
    shot(owner, "invited")

    # The invitee follows the emailed link in their own browser and joins.
    clerk = pages.open()
    open_outbox_link(clerk, site, "You are invited to work at Harbour Lights", "/office/invitations/")
    expect(clerk.get_by_role("heading", name="Join Harbour Lights")).to_be_visible()
    clerk.get_by_label("Your name").fill("Sam Clerk")
    clerk.get_by_label("Password").fill("copper-kettle-meadow")
    shot(clerk, "invitation")
    clerk.get_by_role("button", name="Create my account and join").click()
    expect(clerk.locator(".messages")).to_contain_text("You joined Harbour Lights.")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
    shot(clerk, "staff-dashboard")

    # The owner sees the new member masked; their own row in full.
    owner.reload()
    clerk_row = owner.locator("tr.member").filter(has_text="Staff")
    owner_row = owner.locator("tr.member").filter(has_text="Owner")
    expect(clerk_row).to_contain_text("s***@example.com")
    expect(clerk_row).to_contain_text("S** C****")
    expect(clerk_row).not_to_contain_text("sam.clerk@example.com")
    expect(clerk_row).not_to_contain_text("Sam Clerk")
    expect(owner_row).to_contain_text(merchant.email)
    shot(owner, "staff-masked")

    # Reveal shows the full email once.
    clerk_row.get_by_role("button", name="Reveal").click()
    clerk_row = owner.locator("tr.member").filter(has_text="Staff")
    expect(clerk_row).to_contain_text("sam.clerk@example.com")
    expect(clerk_row).to_contain_text("Sam Clerk")
    shot(owner, "staff-revealed")
    owner.reload()
    expect(owner.locator("tr.member").filter(has_text="Staff")).to_contain_text("s***@example.com")

    # ...and the audit log records the reveal and the invitation.
    owner.get_by_role("link", name="Audit log").click()
    expect(owner.get_by_role("heading", name="Audit log")).to_be_visible()
    actions = owner.locator("tr.audit-entry td:nth-child(2)")
    expect(actions.filter(has_text="personal_data.reveal")).to_have_count(1)
    expect(actions.filter(has_text="staff.invite")).to_have_count(1)
    shot(owner, "audit-log")

    # Staff cannot open the audit log.
    clerk.get_by_role("link", name="Audit log").click()
    expect(clerk.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_back_office_fits_a_phone_screen(merchant: Merchant, pages: Pages, site: Site, shot) -> None:
    phone = pages.open(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(phone, site, merchant.email, merchant.password)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
    expect(phone.locator("#store-status")).to_have_text("Live")

    for step, path in [("dashboard", "/office/"), ("staff", "/office/staff/"), ("audit", "/office/audit/")]:
        phone.goto(site.platform(path))
        expect(phone.locator("#store-switcher")).to_be_visible()
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a 390px-wide screen"
        shot(phone, f"phone-{step}")
