"""Helpers for the platform-side tests (merchants, stores, staff): hosts, mail links, form errors, row counts."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from django.core.mail import EmailMessage
from django.http import HttpResponse
from django.test import Client

from shopwright.core.models import AuditEntry, Email
from shopwright.core.tenancy import cross_store_access
from shopwright.stores.models import Membership, StaffInvitation, Store, User
from shopwright.stores.services import staff_account_create, staff_invite
from tests.factories import host, signup_data

PLATFORM_HOST = "localhost"
AUTH_BACKEND = "shopwright.stores.auth.EmailBlindIndexBackend"
STAFF_PASSWORD = "quartz-meadow-bicycle"


def platform_client(user: User | None = None) -> Client:
    """A browser on the platform site, signed in as `user` when given."""
    client = Client(HTTP_HOST=PLATFORM_HOST)
    if user is not None:
        client.force_login(user, backend=AUTH_BACKEND)
    return client


def store_client(store: Store) -> Client:
    """A browser on a store's own host."""
    return Client(HTTP_HOST=host(store))


def signup_form(**overrides: str) -> dict[str, str]:
    """What the /signup/ form posts: the signup fields plus the privacy checkbox."""
    return {**signup_data(**overrides), "agree": "on"}


def link_path(message: EmailMessage, prefix: str) -> str:
    """The path of the link in a sent email's text body that starts with `prefix`."""
    for url in re.findall(r"https?://[^\s<>\"']+", message.body):
        path = urlsplit(url).path
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no link to {prefix} in the email body:\n{message.body}")


def field_errors(response: HttpResponse, field: str) -> list[str]:
    """The messages shown under one form field of a rendered page."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_errors">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def page_errors(response: HttpResponse) -> list[str]:
    """The messages shown above a form (not tied to one field)."""
    html = response.content.decode()
    match = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def row_counts() -> dict[str, int]:
    """How many rows the tables a signup or an invitation writes hold, across all stores."""
    with cross_store_access("tests count every row to prove nothing was written"):
        return {
            model.__name__: model.objects.count()
            for model in (User, Store, Membership, StaffInvitation, Email, AuditEntry)
        }


def audit_actions(*, store: Store | None = None) -> list[str]:
    entries = AuditEntry.objects.all() if store is None else AuditEntry.objects.filter(store_id=store.pk)
    return list(entries.order_by("id").values_list("action", flat=True))


HANDLE_FORMAT = (
    "A store address has 3 to 63 characters: letters a-z, digits and hyphens, not starting or ending with a hyphen."
)
HANDLE_RESERVED = "This store address is reserved. Please choose another."
HANDLE_TAKEN = "This store address is taken. Please choose another."
EMAIL_TAKEN = "An account with this email already exists. Sign in instead."

# Signups that pass the page's form but break a business rule:
# (id, overrides, field, message, overrides of a merchant who signed up before).
BAD_SIGNUPS = [
    ("invalid-email", {"email": "not-an-email"}, "email", "Enter a valid email address.", None),
    ("email-taken", {"email": "first@example.com"}, "email", EMAIL_TAKEN, {"email": "first@example.com"}),
    ("email-taken-other-case", {"email": "first@EXAMPLE.com"}, "email", EMAIL_TAKEN, {"email": "first@example.com"}),
    (
        "password-short",
        {"password": "Kx7#qPz"},
        "password",
        "This password is too short. It must contain at least 10 characters.",
        None,
    ),
    ("password-common", {"password": "password123"}, "password", "This password is too common.", None),
    (
        "password-like-email",
        {"email": "lanternfish@example.com", "password": "lanternfish7"},
        "password",
        "The password is too similar to the email.",
        None,
    ),
    (
        "password-like-name",
        {"full_name": "Bartholomew Quince", "password": "bartholomewquince"},
        "password",
        "The password is too similar to the full name.",
        None,
    ),
    ("phone-not-valid", {"phone": "12345"}, "phone", "This phone number is not valid.", None),
    ("phone-letters", {"phone": "call me"}, "phone", "Enter a phone number, for example +44 20 7946 0958.", None),
    ("handle-short", {"store_handle": "ab"}, "store_handle", HANDLE_FORMAT, None),
    ("handle-leading-hyphen", {"store_handle": "-shop"}, "store_handle", HANDLE_FORMAT, None),
    ("handle-reserved", {"store_handle": "admin"}, "store_handle", HANDLE_RESERVED, None),
    ("handle-taken", {"store_handle": "taken-shop"}, "store_handle", HANDLE_TAKEN, {"store_handle": "taken-shop"}),
    (
        "handle-taken-other-case",
        {"store_handle": "Taken-Shop"},
        "store_handle",
        HANDLE_TAKEN,
        {"store_handle": "taken-shop"},
    ),
]


def invitation_token(*, store: Store, inviter: User, email: str, role: str, mailoutbox, capture) -> str:
    """Invite `email` and return the token of the link the invitee receives."""
    with capture(execute=True):
        staff_invite(store=store, inviter=inviter, email=email, role=role)
    path = link_path(mailoutbox[-1], "/office/invitations/")
    return path.removeprefix("/office/invitations/").rstrip("/")


def add_member(*, store: Store, owner: User, role: str, email: str, mailoutbox, capture) -> Membership:
    """A new platform account that joined `store` with `role` through an emailed invitation."""
    token = invitation_token(store=store, inviter=owner, email=email, role=role, mailoutbox=mailoutbox, capture=capture)
    return staff_account_create(token=token, full_name="Jordan Staffmember", password=STAFF_PASSWORD)
