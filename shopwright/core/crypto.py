"""Field encryption and blind indexes for personal data.

Keys come from settings.SHOPWRIGHT_DATA_KEYS: a list of base64 secrets of 32
bytes, newest first. From each secret independent keys are derived with
HKDF: one that seals values, one for the HMAC blind index, and the key id
that names it in what it sealed. The first key seals; every key opens, so a
new key can be put in front and `shopwright rotate-keys` re-seals the rows
at leisure.

A sealed value is the base64 of: a version byte (1), the sealing key's
4-byte id, a 96-bit random nonce, and the AES-256-GCM-SIV ciphertext with
its 128-bit tag. The key id lets `decrypt` try one key instead of each in
turn, and lets rotation see that a value is current.

Why GCM-SIV rather than plain GCM: with random 96-bit nonces NIST caps GCM
at 2^32 values per key, which a busy platform's checkouts could seal in
months, and a repeated nonce under GCM gives away its authentication key;
under GCM-SIV a repeat only shows that the two values were equal. It
replaced Fernet (AES-CBC with HMAC-SHA256, assembled from Python-level
pieces): sealing or opening a 40-byte value took 7.5-8 µs there and 3 µs
here, a 3 KB email body 17-32 µs there and 13-20 µs here (GCM-SIV's
authenticator gets no hardware help in OpenSSL, and decoding 4 KB of base64
costs 8 µs). Values sealed as Fernet tokens (URL-safe base64, "gAAAA…")
still open under every key, and rotation re-seals them in the new form.

Blind indexes are written with the newest key, and lookups compare against
the index under *every* key (`blind_index_candidates`), so a login keeps
working for a row that rotation has not reached yet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The first byte of a sealed value (see the module docstring).
_SEALED = b"\x01"
# A Fernet token's version byte (0x80) and the start of its timestamp, in URL-safe base64.
_FERNET_PREFIX = "gAAAA"
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12
# Version, key id, nonce and tag: the shortest sealed value (of an empty plaintext).
_SEALED_MIN = 1 + _KEY_ID_BYTES + _NONCE_BYTES + 16


@dataclass(frozen=True)
class DerivedKey:
    aead: AESGCMSIV
    key_id: bytes
    index_key: bytes
    # Opens the values sealed before GCM-SIV (Fernet tokens) under this secret.
    fernet: Fernet


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
            aead=AESGCMSIV(_derive(s, b"shopwright-field-sealing-gcm-siv")),
            key_id=_derive(s, b"shopwright-field-sealing-key-id")[:_KEY_ID_BYTES],
            index_key=_derive(s, b"shopwright-blind-index"),
            fernet=Fernet(base64.urlsafe_b64encode(_derive(s, b"shopwright-field-encryption"))),
        )
        for s in secrets
    )


def data_keys() -> tuple[DerivedKey, ...]:
    return _keys_for(tuple(settings.SHOPWRIGHT_DATA_KEYS))


def encrypt(plaintext: str) -> str:
    """The value sealed under the newest key: a new nonce each time, so equal values seal differently."""
    key = data_keys()[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode(), None)
    # Standard base64 in C (binascii): the URL-safe alphabet costs a Python-level translate of every byte.
    return binascii.b2a_base64(_SEALED + key.key_id + nonce + sealed, newline=False).decode()


def _unreadable(cause: Exception | None = None) -> ImproperlyConfigured:
    error = ImproperlyConfigured(
        "a stored value cannot be decrypted with any key in SHOPWRIGHT_DATA_KEYS; "
        "was a key removed before `shopwright rotate-keys` finished?"
    )
    error.__cause__ = cause
    return error


def _opened(raw: bytes) -> tuple[DerivedKey, bytes] | None:
    """The key that sealed `raw` (a decoded sealed value) and the plaintext, or None if no key opens it."""
    key_id = raw[1 : 1 + _KEY_ID_BYTES]
    nonce = raw[1 + _KEY_ID_BYTES : 1 + _KEY_ID_BYTES + _NONCE_BYTES]
    sealed = raw[1 + _KEY_ID_BYTES + _NONCE_BYTES :]
    for key in data_keys():
        if key.key_id != key_id:
            continue
        try:
            return key, key.aead.decrypt(nonce, sealed, None)
        except InvalidTag:
            continue  # two secrets whose 4-byte ids collide: the next one may open it
    return None


def _sealed_bytes(token: str) -> bytes | None:
    """The decoded sealed value, or None for anything else (a Fernet token, or garbage)."""
    if token.startswith(_FERNET_PREFIX):
        return None
    try:
        raw = binascii.a2b_base64(token, strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw[:1] == _SEALED and len(raw) >= _SEALED_MIN else None


def decrypt(token: str) -> str:
    raw = _sealed_bytes(token)
    if raw is not None:
        opened = _opened(raw)
        if opened is None:
            raise _unreadable()
        return opened[1].decode()
    if token.startswith(_FERNET_PREFIX):
        try:
            return MultiFernet([k.fernet for k in data_keys()]).decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise _unreadable(exc) from exc
    raise _unreadable()


def is_current(token: str) -> bool:
    """True when the value is sealed in the current form under the newest key."""
    raw = _sealed_bytes(token)
    if raw is None:
        return False
    opened = _opened(raw)
    return opened is not None and opened[0] is data_keys()[0]


def reencrypt(token: str) -> str:
    """The value sealed again under the newest key (rotation)."""
    return encrypt(decrypt(token))


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
