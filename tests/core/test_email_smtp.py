"""Email goes through a real SMTP server when EMAIL_URL is set."""

import datetime
import re

import pytest

from shopwright.core.models import Email
from tests.factories import host, make_customer, make_merchant, signup_data
from tests.smtp import smtp_server


@pytest.mark.django_db
def test_verification_email_is_delivered_over_smtp(client, settings, django_capture_on_commit_callbacks):
    with smtp_server() as (host, port, received):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = host, port
        settings.EMAIL_USE_TLS = False
        data = signup_data(email="smtp.owner@example.com", store_name="Smtp Shop")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/signup/", {**data, "agree": "on"}, HTTP_HOST="localhost")
        assert response.status_code == 302

    assert len(received) == 1
    message = received[0]
    assert message["X-Envelope-To"] == "smtp.owner@example.com"
    assert "Smtp Shop" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.search(r"http://localhost:8000/verify-email/\S+/", text).group(0)
    assert link in html
    assert Email.objects.get().status == Email.Status.SENT

    # The link from the real message opens the store.
    assert b"is live" in client.get(link.removeprefix("http://localhost:8000"), HTTP_HOST="localhost").content


@pytest.mark.django_db
def test_a_failed_delivery_is_recorded_and_retried_later(settings, django_capture_on_commit_callbacks):
    from shopwright.core.emails import email_deliver, email_queue

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    # The job fails; Huey keeps it for a retry with back-off instead of losing it.
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(kind="verify_email", to="x@example.com", context={"name": "X", "verify_url": "http://x/"})
    email = Email.objects.get()
    assert email.status == Email.Status.FAILED and email.attempts == 1
    [retry] = HUEY.scheduled()
    assert retry.name.endswith("email_deliver_task") and retry.args == (email.pk,)
    assert retry.retries == 4  # of 5
    wait = (retry.eta - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)).total_seconds()
    assert 20 < wait <= 30
    # Nothing about the failure is kept in the job store (its text could name the recipient).
    assert HUEY.all_results() == {}
    HUEY.flush()

    with smtp_server() as (host, port, received):
        settings.EMAIL_HOST, settings.EMAIL_PORT = host, port
        email_deliver(email_id=email.pk)
        email_deliver(email_id=email.pk)  # a duplicate job sends nothing more
    assert len(received) == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("store_name", ['Evil <x@evil.test>, "Shop"', "Café «Straße», Ltd.", 'Bob\'s "Best" <Shop>'])
def test_a_store_name_cannot_change_the_sender_address(
    client, settings, django_capture_on_commit_callbacks, store_name
):
    """Store mail shows the store's name as the sender; the address stays the platform's."""
    settings.DEFAULT_FROM_EMAIL = "Shopwright <no-reply@localhost>"
    store = make_merchant(store_name=store_name).store
    customer = make_customer(store, email="named.customer@example.com")
    with smtp_server() as (host_name, port, received):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = host_name, port
        settings.EMAIL_USE_TLS = False
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/account/password-reset/", {"email": customer.email}, HTTP_HOST=host(store))
        assert response.status_code == 200

    assert len(received) == 1, "the reset mail was not sent"
    message = received[0]
    assert message["X-Envelope-To"] == "named.customer@example.com"
    assert [address.addr_spec for address in message["From"].addresses] == ["no-reply@localhost"]
    assert message["From"].addresses[0].display_name == store_name
    assert str(message["Subject"]).strip() == f"Reset your password at {store_name}"  # not HTML-escaped
