"""No personal value is stored in plain text in any table.

Marker values go in through the public pages and the API (merchant signup,
email verification, staff invitation and the invitee's account, customer
registration, profile, password reset, failed and locked-out sign-ins), then
every column of every table is read raw — session data decoded — and
searched for them.
"""

import json
import re

import pytest
from django.db import connection

from shopwright.core.tenancy import cross_store_access

MARKERS = {
    "email": "zq7marker.owner@example.org",
    "staff_email": "zq7marker.staff@example.org",
    "customer_email": "zq7marker.customer@example.org",
    "name": "Quixotic Zebrafinch",
    "customer_name": "Xanthippe Marchbanks",
    "phone_digits": "2079460123",
    "residence": "Zq7 Marker Lane",
    "nickname": "zq7nickname",
    "real_name": "Wolfgang Zq7real",
}


def _link(mail, pattern):
    return re.search(pattern, mail.body).group(0)


@pytest.mark.django_db
def test_marker_values_never_appear_in_any_table(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signup/",
            {
                "email": MARKERS["email"],
                "password": "violet-harbour-lantern",
                "full_name": MARKERS["name"],
                "phone": "+44 20 7946 0123",
                "country": "GB",
                "industry": "home",
                "business_scale": "small",
                "store_name": "Marker Store",
                "store_handle": "marker-store",
                "agree": "on",
            },
            HTTP_HOST="localhost",
        )
    assert response.status_code == 302
    verify = _link(mailoutbox[-1], r"http://\S+/verify-email/\S+/")
    assert client.get(verify.split("8000", 1)[1], HTTP_HOST="localhost").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/office/staff/", {"email": MARKERS["staff_email"], "role": "staff"}, HTTP_HOST="localhost"
        )
    assert response.status_code == 302

    shopper = client.__class__()
    store_host = "marker-store.localhost"
    response = shopper.post(
        "/account/register/",
        {
            "name": MARKERS["customer_name"],
            "email": MARKERS["customer_email"],
            "password": "violet-harbour-lantern",
            "date_of_birth": "1990-04-12",
        },
        HTTP_HOST=store_host,
    )
    assert response.status_code == 302
    response = shopper.post(
        "/account/profile/",
        {
            "name": MARKERS["customer_name"],
            "nickname": MARKERS["nickname"],
            "real_name": MARKERS["real_name"],
            "gender": "female",
            "date_of_birth": "1990-04-05",
            "place_of_residence": MARKERS["residence"],
        },
        HTTP_HOST=store_host,
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.__class__().post("/account/password-reset/", {"email": MARKERS["customer_email"]}, HTTP_HOST=store_host)
    assert len(mailoutbox) == 3

    found = _scan_all_tables([m.lower() for m in MARKERS.values()] + ["1990-04-05"])
    assert found == []


API_MARKERS = {
    "email": "zq8api.owner@example.org",
    "name": "Peregrine Zq8owner",
    "phone_digits": "2079460124",
    "customer_email": "zq8api.customer@example.org",
    "customer_name": "Ottoline Zq8buyer",
    "invitee_email": "zq8api.invitee@example.org",
    "invitee_name": "Barnaby Zq8staff",
    "unknown_email": "zq8api.nobody@example.org",
}


@pytest.mark.django_db
def test_api_flows_and_failed_sign_ins_leave_no_plain_value(client, mailoutbox, django_capture_on_commit_callbacks):
    api = client.__class__()
    signup = {
        "email": API_MARKERS["email"],
        "password": "violet-harbour-lantern",
        "full_name": API_MARKERS["name"],
        "phone": "+44 20 7946 0124",
        "country": "GB",
        "industry": "home",
        "business_scale": "small",
        "store_name": "Api Marker Store",
        "store_handle": "api-marker",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/merchant/signup", signup, content_type="application/json").status_code == 201
    verify = _link(mailoutbox[-1], r"http://\S+/verify-email/\S+/")
    assert client.get(verify.split("8000", 1)[1], HTTP_HOST="localhost").status_code == 200

    login = {"email": API_MARKERS["email"], "password": "violet-harbour-lantern", "mode": "session"}
    assert api.post("/api/v1/merchant/login", login, content_type="application/json").status_code == 200
    invite = {"email": API_MARKERS["invitee_email"], "role": "staff"}
    with django_capture_on_commit_callbacks(execute=True):
        # (the test client waives the CSRF token that a browser session would send)
        response = api.post("/api/v1/merchant/stores/api-marker/invitations", invite, content_type="application/json")
    assert response.status_code == 201
    accept = _link(mailoutbox[-1], r"http://\S+/office/invitations/\S+/")
    invitee = client.__class__()
    response = invitee.post(
        accept.split("8000", 1)[1],
        {"full_name": API_MARKERS["invitee_name"], "password": "violet-harbour-lantern"},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302

    shopper = client.__class__()
    store = {"HTTP_HOST": "api-marker.localhost"}
    register = {
        "email": API_MARKERS["customer_email"],
        "name": API_MARKERS["customer_name"],
        "password": "x" * 3,
        "date_of_birth": "1990-04-12",
    }
    assert (
        shopper.post("/api/v1/customer/register", register, content_type="application/json", **store).status_code == 400
    )
    register["password"] = "violet-harbour-lantern"
    assert (
        shopper.post("/api/v1/customer/register", register, content_type="application/json", **store).status_code == 201
    )
    for email in (API_MARKERS["customer_email"], API_MARKERS["unknown_email"]):
        for _ in range(6):  # wrong passwords until locked out
            bad = {"email": email, "password": "wrong-password-123"}
            shopper.post("/api/v1/customer/login", bad, content_type="application/json", **store)
    assert (
        shopper.post(
            "/api/v1/customer/login",
            {"email": API_MARKERS["customer_email"], "password": "x"},
            content_type="application/json",
            **store,
        ).status_code
        == 429
    )

    found = _scan_all_tables([m.lower() for m in API_MARKERS.values()])
    assert found == []


@pytest.mark.django_db
def test_the_scan_finds_a_plain_value_where_there_is_one(client, settings):
    """The scanner itself works: a marker put in a plain column and in a session is found."""
    from tests.factories import make_merchant

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # also when REDIS_URL moves sessions
    make_merchant(store_name="Zq9 Plain Marker")
    session = client.session
    session["note"] = "zq9 session marker"
    session.save()
    found = _scan_all_tables(["zq9 plain marker", "zq9 session marker"])
    assert any(f.startswith("stores_store.name") for f in found)
    assert any(f.startswith("django_session.session_data") for f in found)


def _readable(table: str, column: str, value) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
    if table == "django_session" and column == "session_data":
        from django.contrib.sessions.backends.db import SessionStore

        text += json.dumps(SessionStore().decode(text))  # signed and compressed: look inside
    return text.lower()


def _scan_all_tables(needles):
    found = []
    with cross_store_access("the scan reads every row of every table"), connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = _readable(table, column, value)
                    found.extend(f"{table}.{column}: {n}" for n in needles if n in text)
    return found
