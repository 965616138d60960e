import pytest

from tests.factories import host, make_merchant


@pytest.mark.django_db
def test_pending_store_is_not_open_until_the_owner_verifies(client):
    pending = make_merchant(verified=False).store
    response = client.get("/", HTTP_HOST=host(pending))
    assert response.status_code == 404
    assert b"opens soon" in response.content

    live = make_merchant().store
    response = client.get("/", HTTP_HOST=host(live))
    assert response.status_code == 200
    assert live.name.encode() in response.content
