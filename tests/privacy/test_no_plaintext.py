"""No personal value is stored in plain text in any table.

Marker values go in through the public pages (merchant signup, email
verification, staff invitation, customer registration, profile, password
reset), then every column of every table is read raw and searched for them.
"""

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
        {"name": MARKERS["customer_name"], "email": MARKERS["customer_email"], "password": "violet-harbour-lantern"},
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
                    text = value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                    text = text.lower()
                    found.extend(f"{table}.{column}: {n}" for n in needles if n in text)
    return found
