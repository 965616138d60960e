"""`shopwright demo` publishes the platform's and the demo store's privacy policies, once, without emails."""

from __future__ import annotations

import pytest
from django.test import Client

from shopwright.core.models import Email
from shopwright.privacy import policies
from shopwright.privacy.demo import demo_policies_load
from shopwright.privacy.models import PolicyVersion
from tests.factories import host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_both_policies_once_and_mails_nobody():
    store = make_merchant(store_name="Demo Shop").store
    make_customer(store)
    mails = Email.objects.count()

    demo_policies_load(store=store)
    demo_policies_load(store=store)

    platform, own = policies.policy_current(None), policies.policy_current(store)
    assert platform is not None and own is not None
    assert (platform.version, own.version) == (1, 1)
    assert PolicyVersion.objects.count() == 2
    assert "Demo Shop" in own.body
    assert Email.objects.count() == mails
    page = Client(HTTP_HOST=host(store)).get("/privacy/policy/")
    assert page.status_code == 200 and "Demo Shop" in page.content.decode()
