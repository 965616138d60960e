"""Field encryption and blind indexes for personal data.

Keys come from settings.SHOPWRIGHT_DATA_KEYS: a list of base64 secrets of 32
bytes, newest first. From each secret two independent keys are derived with
HKDF: one for Fernet encryption and one for the HMAC blind index. The first
key encrypts; every key decrypts (MultiFernet), so a new key can be put in
front and `shopwright rotate-keys` re-encrypts the rows at leisure.

Blind indexes are written with the newest key, and lookups compare against
the index under *every* key (`blind_index_candidates`), so a login keeps
working for a row that rotation has not reached yet.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DerivedKey:
    fernet: Fernet
    index_key: bytes


def _derive(secret: str, info: bytes) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("SHOPWRIGHT_DATA_KEYS holds a value that is not base64") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured("each key in SHOPWRIGHT_DATA_KEYS must decode to at least 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


@lru_cache(maxsize=8)
def _keys_for(secrets: tuple[str, ...]) -> tuple[DerivedKey, ...]:
    if not secrets:
        raise ImproperlyConfigured("SHOPWRIGHT_DATA_KEYS is empty")
    return tuple(
        DerivedKey(
            fernet=Fernet(base64.urlsafe_b64encode(_derive(s, b"shopwright-field-encryption"))),
            index_key=_derive(s, b"shopwright-blind-index"),
        )
        for s in secrets
    )


def data_keys() -> tuple[DerivedKey, ...]:
    return _keys_for(tuple(settings.SHOPWRIGHT_DATA_KEYS))


def _multi_fernet() -> MultiFernet:
    return MultiFernet([k.fernet for k in data_keys()])


def encrypt(plaintext: str) -> str:
    return _multi_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _multi_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored value cannot be decrypted with any key in SHOPWRIGHT_DATA_KEYS; "
            "was a key removed before `shopwright rotate-keys` finished?"
        ) from exc


def is_current(token: str) -> bool:
    """True when the token was encrypted with the newest key."""
    try:
        data_keys()[0].fernet.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    return _multi_fernet().rotate(token.encode()).decode()


def normalise(value: str) -> str:
    """The form a value is indexed in: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _index_with(key: DerivedKey, value: str) -> str:
    return hmac.new(key.index_key, normalise(value).encode(), hashlib.sha256).hexdigest()


def blind_index(value: str) -> str:
    """The keyed HMAC of a normalised value, under the newest key."""
    return _index_with(data_keys()[0], value)


def blind_index_candidates(value: str) -> list[str]:
    """The index of the value under every configured key, newest first."""
    return [_index_with(k, value) for k in data_keys()]
