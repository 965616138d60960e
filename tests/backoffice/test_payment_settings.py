"""The back office's payment settings: provider choice and write-only Stripe keys, for owners and admins only."""

from __future__ import annotations

import pytest

from shopwright.core.models import AuditEntry
from shopwright.payments.models import PaymentSettings
from shopwright.payments.providers.registry import provider_for
from shopwright.stores.models import Role
from tests.factories import make_merchant
from tests.stores.helpers import add_member, platform_client

pytestmark = pytest.mark.django_db

URL = "/office/settings/payments/"
SECRET_KEY = "sk_test_51AbCdEfGhIjKlMnOp9876"
WEBHOOK_SECRET = "whsec_AbCdEfGhIjKlMnOp5555"


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Harbour Goods", store_handle="harbour-goods")


@pytest.fixture
def owner(merchant):  # type: ignore[no-untyped-def]
    return platform_client(merchant.user)


def test_the_page_shows_the_test_provider_and_the_webhook_url_to_paste(merchant, owner) -> None:
    response = owner.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="test" checked' in body.replace("  ", " ") or "checked" in body.split('value="test"')[1][:40]
    assert "http://harbour-goods.localhost:8000/api/v1/payments/webhooks/stripe" in body
    assert "checkout.session.completed" in body
    assert "None stored yet." in body


def test_an_owner_switches_to_stripe_and_the_keys_are_never_shown_again(merchant, owner) -> None:
    response = owner.post(
        URL, {"provider": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET}
    )
    assert response.status_code == 302
    row = PaymentSettings.objects.get(store=merchant.store)
    assert (row.provider, row.stripe_secret_key, row.stripe_webhook_secret) == ("stripe", SECRET_KEY, WEBHOOK_SECRET)
    assert provider_for(merchant.store).name == "stripe"

    body = owner.get(URL).content.decode()
    assert "sk_test_…9876" in body and "whsec_…5555" in body
    assert SECRET_KEY not in body and WEBHOOK_SECRET not in body

    entry = AuditEntry.objects.get(store_id=merchant.store.pk, action="payment.settings_changed")
    assert entry.actor_id == merchant.user.pk
    assert entry.details == {
        "provider": "stripe",
        "previous_provider": "test",
        "stripe_secret_key_changed": True,
        "stripe_webhook_secret_changed": True,
        "payments_closed": 0,
    }
    assert "9876" not in str(entry.details) and "5555" not in str(entry.details)

    # Empty inputs keep the stored keys; back to the test provider.
    assert (
        owner.post(URL, {"provider": "test", "stripe_secret_key": "", "stripe_webhook_secret": ""}).status_code == 302
    )
    row.refresh_from_db()
    assert (row.provider, row.stripe_secret_key) == ("test", SECRET_KEY)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"provider": "stripe"}, "stripe_secret_key", "Enter the Stripe secret key to take payments with Stripe."),
        (
            {"provider": "stripe", "stripe_secret_key": SECRET_KEY},
            "stripe_webhook_secret",
            "Enter the webhook signing secret Stripe shows for the endpoint.",
        ),
        ({"provider": "test", "stripe_secret_key": "pk_test_123"}, "stripe_secret_key", "starts with sk_test_"),
        ({"provider": "test", "stripe_webhook_secret": "abc"}, "stripe_webhook_secret", "starts with whsec_"),
        ({"provider": "paypal"}, "provider", "Select a valid choice"),
    ],
)
def test_bad_input_is_a_400_with_the_message_and_nothing_saved(merchant, owner, data, field, message) -> None:
    response = owner.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaymentSettings.objects.filter(store=merchant.store).exists()
    assert not AuditEntry.objects.filter(store_id=merchant.store.pk, action="payment.settings_changed").exists()
    assert "pk_test_123" not in response.content.decode()  # nothing typed into a key input comes back


def test_staff_cannot_open_or_change_payment_settings(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    member = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="clerk@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    clerk = platform_client(member.user)
    assert clerk.get(URL).status_code == 403
    stolen = {"provider": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET}
    assert clerk.post(URL, stolen).status_code == 403
    assert not PaymentSettings.objects.filter(store=merchant.store).exists()


def test_an_admin_may_change_them(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    member = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.ADMIN,
        email="admin@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    admin = platform_client(member.user)
    data = {"provider": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET}
    assert admin.post(URL, data).status_code == 302
    assert AuditEntry.objects.get(action="payment.settings_changed").actor_id == member.user.pk


def test_the_page_is_not_served_on_a_store_host(merchant) -> None:
    from django.test import Client

    browser = Client(HTTP_HOST="harbour-goods.localhost")
    browser.force_login(merchant.user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
    assert browser.get(URL).status_code == 404


def test_the_page_lists_the_refund_events_to_subscribe_to(owner) -> None:
    body = owner.get(URL).content.decode()
    for event in ("refund.created", "refund.updated", "refund.failed", "charge.refunded"):
        assert f"<code>{event}</code>" in body


def test_an_error_report_would_hide_the_posted_keys(owner, monkeypatch) -> None:
    """The keys are marked sensitive: Django's error reports (mails, logs) show stars in their place."""
    from django.views.debug import SafeExceptionReporterFilter

    from shopwright.backoffice import payment_views

    seen = []

    def remember(request):  # type: ignore[no-untyped-def]
        seen.append(request)
        return "127.0.0.1"

    monkeypatch.setattr(payment_views, "client_ip", remember)
    owner.post(URL, {"provider": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET})
    (request,) = seen
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert SECRET_KEY not in str(shown) and WEBHOOK_SECRET not in str(shown)
    assert shown["provider"] == "stripe"
