import pytest

from shopwright.stores.services import merchant_signup


@pytest.mark.django_db
def test_signup_then_storefront_is_pending(client):
    result = merchant_signup(
        email="owner@example.com",
        password="correct-horse-battery",
        full_name="Ada Owner",
        phone="+44 20 7946 0958",
        country="GB",
        industry="home",
        business_scale="small",
        store_name="Ada's Shop",
        store_handle="adas-shop",
    )
    assert result.store.status == "pending"
    response = client.get("/", HTTP_HOST="adas-shop.localhost")
    assert response.status_code == 404
    assert b"opens soon" in response.content
