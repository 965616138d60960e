"""Single-purpose signed tokens for links sent by email.

A token names its purpose (salt), expires, and can be bound to state that
changes when it is used (a password hash, a verification time), which makes
it single-use without a table of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing


def make_token(*, purpose: str, subject_id: int, state: str = "") -> str:
    return signing.dumps({"id": subject_id, "s": _state_digest(state)}, salt=f"shopwright.{purpose}", compress=True)


def read_token(*, token: str, purpose: str, max_age_seconds: int) -> tuple[int, str] | None:
    """Return (subject_id, state digest) or None for a bad or expired token."""
    try:
        data = signing.loads(token, salt=f"shopwright.{purpose}", max_age=max_age_seconds)
    except (signing.BadSignature, signing.SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    return data["id"], str(data.get("s", ""))


def state_matches(digest: str, state: str) -> bool:
    return hmac.compare_digest(digest, _state_digest(state))


def _state_digest(state: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), state.encode(), hashlib.sha256).hexdigest()[:32]


def new_secret_token(prefix: str) -> tuple[str, str]:
    """A random bearer secret and the SHA-256 digest to store in its place."""
    token = f"{prefix}_{secrets.token_urlsafe(32)}"
    return token, hash_secret_token(token)


def hash_secret_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
