"""Cookie consent on the storefronts (F13, seed 1(10)).

- `COOKIES` is the registry of every cookie the project sets, with its
  category, purpose and lifetime; the cookie settings page shows it. A cookie
  missing from it counts as non-necessary and is never set without consent.
- The visitor's choice lives in a necessary cookie of its own (`sw_consent`,
  signed: the categories allowed, a random visitor id and the policy version
  it was given under) and is recorded as ConsentRecords: under the signed-in
  customer, or under the SHA-256 of the visitor id.
- `CookieConsentMiddleware` enforces it centrally: whatever a view or another
  middleware sets, a non-necessary cookie the visitor has not allowed is
  removed from the response (deleting a cookie is always let through).
- `privacy_context` gives templates the cookie banner (until a choice) and
  the policy banner (a major policy version the signed-in subject has not
  accepted yet).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject

from shopwright.privacy import consents, policies
from shopwright.privacy.models import ConsentPurpose

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store

logger = logging.getLogger(__name__)

NECESSARY = "necessary"
PREFERENCES = "preferences"
ANALYTICS = "analytics"
MARKETING = "marketing"
# The categories a visitor chooses (necessary ones need no choice), in the order pages show them.
OPTIONAL_CATEGORIES = (PREFERENCES, ANALYTICS, MARKETING)
CATEGORY_LABELS = {
    NECESSARY: "Necessary",
    PREFERENCES: "Preferences",
    ANALYTICS: "Analytics",
    MARKETING: "Marketing",
}
CATEGORY_DESCRIPTIONS = {
    NECESSARY: "Needed for the shop to work: signing in, your cart, security of forms and remembering this choice. "
    "They are always on.",
    PREFERENCES: "Remember choices that change how the shop looks or behaves for you.",
    ANALYTICS: "Count visits and measure how pages are used, so the shop can be improved.",
    MARKETING: "Follow your visits to show you offers here and on other sites.",
}
CATEGORY_PURPOSES = {
    PREFERENCES: ConsentPurpose.COOKIES_PREFERENCES,
    ANALYTICS: ConsentPurpose.COOKIES_ANALYTICS,
    MARKETING: ConsentPurpose.COOKIES_MARKETING,
}

CONSENT_COOKIE = "sw_consent"
CONSENT_COOKIE_MAX_AGE = 60 * 60 * 24 * 180  # ask again after six months
_SALT = "shopwright.privacy.cookie-consent"
_VISITOR_MIN, _VISITOR_MAX = 20, 64
_CHOICE_ATTR = "_shopwright_cookie_choice"

# The exact texts a visitor sees when choosing: kept as the evidence of the consent.
BANNER_TEXT = (
    "This shop uses cookies. Necessary cookies keep you signed in, hold your cart and protect forms; they are "
    "always on. With your permission we would also use cookies for preferences, analytics and marketing. "
    "Choose which ones you allow; you can change your choice at any time from “Cookie settings” at the bottom "
    "of every page."
)
SETTINGS_TEXT = (
    "Cookie settings. Necessary cookies are always on: the shop cannot work without them. Tick the other "
    "categories you allow and save; untick one to withdraw your consent. Your choice applies from now on."
)


@dataclass(frozen=True)
class CookieInfo:
    name: str
    category: str
    purpose: str
    lifetime: str
    set_by: str = "this shop"


def _days(seconds: int) -> str:
    days = seconds // (60 * 60 * 24)
    return f"{days} days" if days != 1 else "1 day"


def cookie_registry() -> list[CookieInfo]:
    """Every cookie the project sets (read from settings, so a renamed cookie stays listed)."""
    from shopwright.cart.cookies import CART_COOKIE, CART_COOKIE_MAX_AGE
    from shopwright.storefront.favourite_cookies import FAVOURITES_COOKIE, FAVOURITES_COOKIE_MAX_AGE

    return [
        CookieInfo(
            settings.SESSION_COOKIE_NAME,
            NECESSARY,
            "Keeps you signed in and remembers your session between pages.",
            _days(settings.SESSION_COOKIE_AGE),
        ),
        CookieInfo(
            settings.CSRF_COOKIE_NAME,
            NECESSARY,
            "Protects the shop's forms against requests forged by other sites.",
            _days(settings.CSRF_COOKIE_AGE),
        ),
        CookieInfo(
            "messages",
            NECESSARY,
            "Carries a one-time message (such as “Added to cart”) to the next page.",
            "until the message is shown",
        ),
        CookieInfo(
            CART_COOKIE,
            NECESSARY,
            "Holds your cart before you sign in.",
            _days(CART_COOKIE_MAX_AGE),
        ),
        CookieInfo(
            FAVOURITES_COOKIE,
            NECESSARY,
            "Keeps the products you marked as favourites before you sign in; set only when you mark one.",
            _days(FAVOURITES_COOKIE_MAX_AGE),
        ),
        CookieInfo(
            CONSENT_COOKIE,
            NECESSARY,
            "Remembers your cookie choice, so this question is not asked on every page.",
            _days(CONSENT_COOKIE_MAX_AGE),
        ),
    ]


def cookie_category(name: str) -> str | None:
    """The registered category of a cookie; None for a cookie nobody registered (treated as not necessary)."""
    for info in cookie_registry():
        if info.name == name:
            return info.category
    return None


# --- the consent cookie --------------------------------------------------------------------------


@dataclass(frozen=True)
class CookieChoice:
    """What the consent cookie says: the optional categories allowed, the visitor id and the policy version."""

    categories: frozenset[str]
    visitor: str
    policy_version: int


def _parse(raw: str | None, *, store_id: int | None) -> CookieChoice | None:
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_SALT, max_age=CONSENT_COOKIE_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("st") != store_id:
        return None
    visitor, categories, version = data.get("v"), data.get("c"), data.get("p")
    if not isinstance(visitor, str) or not (_VISITOR_MIN <= len(visitor) <= _VISITOR_MAX) or not visitor.isascii():
        return None
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        version = 0
    return CookieChoice(
        categories=frozenset(c for c in categories if c in OPTIONAL_CATEGORIES), visitor=visitor, policy_version=version
    )


def _store_id(request: HttpRequest) -> int | None:
    store = getattr(request, "store", None)
    return store.pk if store is not None else None


def cookie_choice(request: HttpRequest) -> CookieChoice | None:
    """The visitor's choice for this site (a choice made in this request counts), or None before one."""
    made = getattr(request, _CHOICE_ATTR, None)
    if made is not None:
        return made
    return _parse(request.COOKIES.get(CONSENT_COOKIE), store_id=_store_id(request))


def cookie_category_allowed(request: HttpRequest, category: str) -> bool:
    """May a cookie of `category` be set for this visitor? Code that would set one asks this first."""
    if category == NECESSARY:
        return True
    choice = cookie_choice(request)
    return choice is not None and category in choice.categories


def _choice_outdated(choice: CookieChoice, store: Store | None) -> bool:
    """A major policy version published after the choice asks the visitor again."""
    major = policies.policy_latest_major_cached(store)
    return major is not None and major.version > choice.policy_version


def cookie_banner_needed(request: HttpRequest) -> bool:
    """Show the cookie banner: on a storefront, until the visitor chose (again after a major policy change).

    Pages read with GET only: a page answering a form (a password reset's
    "sent" page) stays free of the banner's per-request CSRF token, so it
    reads the same whatever was asked; the next page shows the banner again.
    """
    store = getattr(request, "store", None)
    if store is None or request.method != "GET":
        return False
    choice = cookie_choice(request)
    return choice is None or _choice_outdated(choice, store)


def cookie_choice_save(
    *,
    request: HttpRequest,
    response: HttpResponseBase,
    store: Store,
    categories: Iterable[str],
    customer: Customer | None,
    channel: str,
    evidence: str,
) -> CookieChoice:
    """Record the visitor's choice (one ConsentRecord per optional category) and set the consent cookie.

    Unknown category names are ignored. The records go under the signed-in
    customer, or under the hash of the visitor id the cookie keeps. Cookies
    of a category now refused that the browser still holds are deleted.
    """
    allowed = frozenset(c for c in categories if c in OPTIONAL_CATEGORIES)
    previous = cookie_choice(request)
    visitor = previous.visitor if previous is not None else secrets.token_urlsafe(24)
    current = policies.policy_current(store)
    choice = CookieChoice(categories=allowed, visitor=visitor, policy_version=current.version if current else 0)
    subject: dict[str, Any] = {"customer": customer} if customer is not None else {"visitor": visitor}
    with transaction.atomic():
        for category in OPTIONAL_CATEGORIES:
            record = consents.consent_grant if category in allowed else consents.consent_withdraw
            record(purpose=CATEGORY_PURPOSES[category], store=store, channel=channel, evidence=evidence, **subject)
    setattr(request, _CHOICE_ATTR, choice)
    value = signing.dumps({"st": store.pk, "v": visitor, "c": sorted(allowed), "p": choice.policy_version}, salt=_SALT)
    response.set_cookie(
        CONSENT_COOKIE,
        value,
        max_age=CONSENT_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    for held in request.COOKIES:
        kind = cookie_category(held)
        if kind != NECESSARY and (kind is None or kind not in allowed):
            response.delete_cookie(held, samesite="Lax")
    return choice


# --- enforcement -----------------------------------------------------------------------------------


class CookieConsentMiddleware:
    """Drops every Set-Cookie of a non-necessary cookie the visitor has not allowed.

    Installed outside the session, CSRF and pending-cookie middleware, so it
    sees every cookie the response carries. Deleting a cookie (max-age 0) is
    always allowed: it only ever removes data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for name in list(response.cookies):
            morsel = response.cookies[name]
            if str(morsel["max-age"]) == "0" or morsel["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT":
                continue
            category = cookie_category(name)
            if category == NECESSARY:
                continue
            if category is not None and cookie_category_allowed(request, category):
                continue
            del response.cookies[name]
            # The cookie's name only: never its value.
            logger.info("cookie %s not set: category %s not allowed", name, category or "unregistered")
        return response


# --- templates ---------------------------------------------------------------------------------------


def privacy_context(request: HttpRequest) -> dict[str, Any]:
    """`cookie_banner` (bool), `cookie_banner_text`, and `policy_banner` (the version to accept, or None).

    Costs no query for a visitor without a choice or a signed-out visitor;
    a signed-in subject costs a cache read (the latest major version) and,
    only when one exists, one query for its acceptance.
    """
    return {
        "cookie_banner": SimpleLazyObject(lambda: cookie_banner_needed(request)),
        "cookie_banner_text": BANNER_TEXT,
        "policy_banner": SimpleLazyObject(lambda: policy_banner_for(request)),
        "policy_banner_text": policies.POLICY_BANNER_TEXT,
    }


def policy_banner_for(request: HttpRequest) -> Any:
    """The major policy version the signed-in customer (storefront) or user (back office) still has to accept."""
    store = getattr(request, "store", None)
    if store is not None:
        customer = getattr(request, "customer", None)
        return policies.reconsent_needed(customer=customer, cached=True) if customer is not None else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return policies.reconsent_needed(user=user, cached=True)
    return None
