"""The merchant API's store paths name a store only with a real handle."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shopwright.stores import services
from shopwright.stores.models import StaffInvitation
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("handle", ["kit%00chen", "kitchen%00", "%E2%84%AAitchen", "kitchen.x"])
def test_inviting_at_a_handle_that_cannot_exist_is_not_found(handle: str) -> None:
    merchant = make_merchant(store_handle="kitchen")
    token = services.user_api_token_create(user=merchant.user)

    response = Client(HTTP_HOST="localhost").post(
        f"/api/v1/merchant/stores/{handle}/invitations",
        data=json.dumps({"email": "friend@example.com", "role": "staff"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()
