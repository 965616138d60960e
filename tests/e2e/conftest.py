"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

The platform is served at http://localhost:PORT and each store at
http://<handle>.localhost:PORT (Chromium resolves `*.localhost` to the loopback
address by itself). Emailed links are built from PLATFORM_URL, which is pointed
at the live server, and DEBUG is on so the development outbox (/dev/outbox/)
is where a newcomer finds them.

Playwright's sync API keeps an asyncio loop running in the test thread while it
is started, and Django refuses ORM calls from a thread with a running loop. So
Playwright starts for each test after the fixtures that write test data
(`merchant`, `customer`) and stops before the database is flushed;
test bodies talk to the site only through the browser.

Every page a test checks is saved as a full-page screenshot into
test-artifacts/e2e/<test-name>-<step>.png (see `shot`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, expect, sync_playwright

from shopwright.stores.models import Store
from tests.factories import PASSWORD, make_customer, make_merchant

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
# Subresources a page needs to look right; a 4xx/5xx on one of these is a broken page.
_ASSET_TYPES = {"stylesheet", "script", "image", "font"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@dataclass
class Site:
    """Where the live server answers."""

    platform_url: str  # http://localhost:PORT

    @property
    def port(self) -> int:
        port = urlsplit(self.platform_url).port
        assert port is not None
        return port

    def platform(self, path: str = "/") -> str:
        return self.platform_url.rstrip("/") + path

    def store(self, handle: str, path: str = "/") -> str:
        return f"http://{handle}.localhost:{self.port}{path}"


@pytest.fixture
def site(live_server, settings) -> Site:  # type: ignore[no-untyped-def]
    settings.PLATFORM_URL = live_server.url
    settings.PLATFORM_DOMAIN = "localhost"
    settings.DEBUG = True  # the development outbox and its nav link, as on a newcomer's machine
    return Site(platform_url=live_server.url)


# --- test data, written before the browser starts (see the module docstring) ----------


@dataclass
class Merchant:
    email: str
    password: str
    full_name: str
    store_name: str
    handle: str
    store: Store


@pytest.fixture
def merchant(site: Site) -> Merchant:
    """A verified merchant whose first store, Harbour Lights, is live."""
    result = make_merchant(
        email="owner@example.com", full_name="Olive Owner", store_name="Harbour Lights", store_handle="harbour-lights"
    )
    return Merchant(
        email=result.user.email,
        password=PASSWORD,
        full_name=result.user.full_name,
        store_name=result.store.name,
        handle=result.store.handle,
        store=result.store,
    )


@dataclass
class Customer:
    email: str
    password: str
    name: str


@pytest.fixture
def customer(merchant: Merchant) -> Customer:
    """A customer with an account at the merchant's live store."""
    made = make_customer(merchant.store, email="cora@example.com", name="Cora Customer")
    return Customer(email=made.email, password=PASSWORD, name=made.name)


# --- the browser -----------------------------------------------------------------------


_DATA_FIXTURES = ("merchant", "customer")


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (separate cookies: separate people)."""

    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    broken_assets: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def open(self, *, viewport: dict[str, int] | None = None, **context_options) -> Page:  # type: ignore[no-untyped-def]
        context = self.browser.new_context(viewport=viewport or DESKTOP, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("response", self._check_asset)
        page.on("console", self._check_console)
        return page

    def _check_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.location.get('url', '')}: {message.text[:110]}")

    def _check_asset(self, response: Response) -> None:
        if response.request.resource_type in _ASSET_TYPES and response.status >= 400:
            self.broken_assets.append(f"{response.status} {response.url}")


@pytest.fixture
def pages(site: Site, chromium_path: str, request: pytest.FixtureRequest) -> Iterator[Pages]:
    """Chromium for this test, started after the test's data fixtures have written to the database."""
    for name in _DATA_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    for stale in ARTIFACTS.glob(f"{_safe(request.node.name)}-*.png"):
        stale.unlink()  # the folder shows the last run of each test
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
    opened = Pages(browser=browser)
    try:
        yield opened
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            for n, context in enumerate(opened.contexts):
                for m, page in enumerate(context.pages):
                    _save(page, f"{_safe(request.node.name)}-FAILED-{n}{m}.png")
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def page(pages: Pages) -> Page:
    return pages.open()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _save(page: Page, filename: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / filename
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot(pages: Pages, request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """shot(page, "signup") saves test-artifacts/e2e/<test>-NN-signup.png, then checks the page looks right.

    Looks right: its stylesheet and images loaded, the Content Security Policy
    blocked nothing (a style="" attribute or inline script the policy refuses
    silently changes the page), and it does not scroll sideways.
    """
    counter = iter(range(1, 100))

    def take(page: Page, step: str) -> Path:
        page.wait_for_load_state("load")
        path = _save(page, f"{_safe(request.node.name)}-{next(counter):02d}-{_safe(step)}.png")
        assert not pages.broken_assets, f"assets failed to load: {pages.broken_assets}"
        has_stylesheet = page.evaluate("() => [...document.styleSheets].some(s => s.cssRules.length > 0)")
        assert has_stylesheet, f"no stylesheet applied on {page.url}"
        assert not pages.csp_violations, "blocked by the Content Security Policy:\n" + "\n".join(pages.csp_violations)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size}"
        return path

    return take
