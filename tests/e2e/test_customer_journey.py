"""A customer in the browser at a live store: account, profile, password reset and the login lock-out."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Customer, Merchant, Site

pytestmark = pytest.mark.browser


def avatar_png() -> bytes:
    """A small two-colour PNG, made here so the upload is a real image."""
    image = Image.new("RGB", (64, 48), (43, 92, 214))
    image.paste((250, 200, 40), (16, 12, 48, 36))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_customer_registers_signs_in_again_and_edits_the_profile(
    merchant: Merchant, page: Page, site: Site, shot
) -> None:
    page.goto(site.store(merchant.handle))
    expect(page.get_by_role("heading", name="Welcome to Harbour Lights")).to_be_visible()
    shot(page, "store-home")

    page.get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("analytical-engine-notes")
    page.get_by_label("Date of birth").fill("1990-04-12")
    shot(page, "register")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(site.store(merchant.handle, "/account/"))
    expect(page.get_by_role("heading", name="Hello, Ada Lovelace")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Welcome! Your account is ready.")
    expect(page.get_by_role("main")).to_contain_text("ada@example.com")
    shot(page, "personal-center")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(site.store(merchant.handle))
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(site.store(merchant.handle, "/account/"))
    expect(page).to_have_url(site.store(merchant.handle, "/account/login/?next=/account/"))

    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    sign_in(page, "ada@example.com", "analytical-engine-notes")
    expect(page.get_by_role("heading", name="Hello, Ada Lovelace")).to_be_visible()
    shot(page, "signed-in-again")

    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", name="Profile", exact=True)).to_be_visible()
    expect(page.locator("#avatar")).to_have_count(0)
    page.get_by_label("Nickname").fill("Countess")
    page.get_by_label("Real name").fill("Augusta Ada King")
    page.get_by_label("Gender").select_option(label="Female")
    page.get_by_label("Date of birth").fill("1990-12-10")
    page.get_by_label("Place of residence").fill("London")
    page.get_by_label("Avatar").set_input_files({"name": "avatar.png", "mimeType": "image/png", "buffer": avatar_png()})
    shot(page, "profile-filled")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your profile is saved.")

    page.reload()
    expect(page.get_by_label("Name:", exact=True)).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Nickname")).to_have_value("Countess")
    expect(page.get_by_label("Real name")).to_have_value("Augusta Ada King")
    expect(page.get_by_label("Gender")).to_have_value("female")
    expect(page.get_by_label("Date of birth")).to_have_value("1990-12-10")
    expect(page.get_by_label("Place of residence")).to_have_value("London")
    avatar = page.locator("img#avatar")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("img => img.complete && img.naturalWidth") > 0, "the avatar image does not load"
    shot(page, "profile-saved")

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("main")).to_contain_text("Shown on reviews as Countess")


def test_customer_resets_a_forgotten_password(customer: Customer, merchant: Merchant, page: Page, site: Site, shot):
    page.goto(site.store(merchant.handle, "/account/login/"))
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email").fill(customer.email)
    shot(page, "request")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot(page, "link-sent")

    # The link in the email, found in the development outbox.
    page.goto(site.platform("/dev/outbox/"))
    message = page.locator("article.outbox-message").filter(has_text="Reset your password at Harbour Lights")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"To: {customer.email}")
    link = message.locator('a[href*="/account/password-reset/"]')
    expect(link).to_have_attribute(
        "href", re.compile("^" + re.escape(site.store(merchant.handle, "/account/password-reset/")) + r"[^/]+/$")
    )
    shot(page, "outbox")
    reset_url = link.get_attribute("href")
    link.click()

    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill("fresh-granite-sparrow")
    shot(page, "choose-new-password")
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(site.store(merchant.handle, "/account/login/"))
    expect(page.locator(".messages")).to_contain_text("Your password is changed. Sign in with the new password.")
    shot(page, "password-changed")

    sign_in(page, customer.email, customer.password)
    expect(page.locator(".errorlist")).to_contain_text("The email or password is not correct.")
    sign_in(page, customer.email, "fresh-granite-sparrow")
    expect(page.get_by_role("heading", name=f"Hello, {customer.name}")).to_be_visible()
    shot(page, "signed-in-with-new-password")

    # The link worked once.
    assert reset_url is not None
    page.goto(reset_url)
    expect(page.get_by_role("heading", name="Link not valid")).to_be_visible()
    shot(page, "link-used")


def test_sixth_wrong_password_locks_the_customer_out(
    customer: Customer, merchant: Merchant, page: Page, site: Site, shot
) -> None:
    page.goto(site.store(merchant.handle, "/account/login/"))
    for _ in range(5):
        sign_in(page, customer.email, "not-my-password-at-all")
        expect(page.locator(".errorlist.nonfield")).to_have_text("The email or password is not correct.")
    shot(page, "wrong-password")

    sign_in(page, customer.email, "not-my-password-at-all")
    expect(page.locator(".errorlist.nonfield")).to_contain_text("Too many failed sign-in attempts")
    shot(page, "locked-out")

    # Locked out means locked out: even the right password is refused for now.
    sign_in(page, customer.email, customer.password)
    expect(page.locator(".errorlist.nonfield")).to_contain_text("Too many failed sign-in attempts")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
