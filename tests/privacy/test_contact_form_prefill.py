"""The guardian pages link to the privacy contact form with the guardian option already chosen."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import host, make_merchant

pytestmark = pytest.mark.django_db


def _checked_who(page: str) -> str:
    match = re.search(r'<input[^>]*name="who"[^>]*value="([a-z_]+)"[^>]*checked', page) or re.search(
        r'<option value="([a-z_]+)"[^>]*selected', page
    )
    assert match, "no choice of who is asking is preselected"
    return match.group(1)


@pytest.mark.parametrize(
    ("query", "chosen"), [("?who=guardian", "guardian"), ("", "contact_form"), ("?who=x", "contact_form")]
)
def test_who_is_asking_is_preselected_from_the_link(query, chosen):
    store = make_merchant().store
    page = Client(HTTP_HOST=host(store)).get(f"/privacy/requests/{query}")
    assert page.status_code == 200
    assert _checked_who(page.content.decode()) == chosen
