"""Input checks shared by every service, so pages and the API give the same messages.

Services collect problems in a `FieldErrors` and raise them all at once as an
ApplicationError with per-field messages.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django_countries import countries

from shopwright.core.exceptions import ApplicationError

MAX_EMAIL_LENGTH = 254


class FieldErrors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, message: str = "Please correct the errors below.") -> None:
        if self.fields:
            raise ApplicationError(message, code="invalid", fields=self.fields)


def clean_email(value: Any, errors: FieldErrors, field: str = "email") -> str:
    email = str(value or "").strip()
    if not email:
        errors.add(field, "Enter an email address.")
        return ""
    if len(email) > MAX_EMAIL_LENGTH:
        errors.add(field, f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
        return ""
    try:
        django_validate_email(email)
    except ValidationError:
        errors.add(field, "Enter a valid email address.")
        return ""
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_text(
    value: Any, errors: FieldErrors, field: str, *, label: str, max_length: int, required: bool = True
) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            errors.add(field, f"Enter {label}.")
        return ""
    if len(text) > max_length:
        errors.add(field, f"{label[0].upper()}{label[1:]} has at most {max_length} characters.")
        return ""
    if any(ord(c) < 32 for c in text):
        errors.add(field, f"{label[0].upper()}{label[1:]} contains characters that are not allowed.")
        return ""
    return text


def clean_country(value: Any, errors: FieldErrors, field: str = "country", *, required: bool = True) -> str:
    code = str(value or "").strip().upper()
    if not code:
        if required:
            errors.add(field, "Choose a country or region.")
        return ""
    if code not in countries:
        errors.add(field, "Choose a known country or region (ISO code such as US, DE, CN).")
        return ""
    return code


def clean_phone(
    value: Any, errors: FieldErrors, field: str = "phone", *, region: str = "", required: bool = True
) -> str:
    """Return the number in E.164, reading national numbers in `region`."""
    raw = str(value or "").strip()
    if not raw:
        if required:
            errors.add(field, "Enter a phone number.")
        return ""
    if len(raw) > 32 or not re.fullmatch(r"[+\d\s().\-]+", raw):
        errors.add(field, "Enter a phone number, for example +44 20 7946 0958.")
        return ""
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        errors.add(field, "Enter a phone number with its country code, for example +44 20 7946 0958.")
        return ""
    if not phonenumbers.is_valid_number(number):
        errors.add(field, "This phone number is not valid.")
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class _Label:
    def __init__(self, name: str) -> None:
        self.verbose_name = name.replace("_", " ")


class _Meta:
    def get_field(self, name: str) -> _Label:
        return _Label(name)


class _PasswordSubject:
    """What Django's similarity check compares a new password with (it reads `_meta` for labels)."""

    _meta = _Meta()

    def __init__(self, **attrs: str) -> None:
        self.__dict__.update(attrs)


def clean_password(value: Any, errors: FieldErrors, field: str = "password", **personal: str) -> str:
    password = str(value or "")
    if not password:
        errors.add(field, "Enter a password.")
        return ""
    if len(password) > 256:
        errors.add(field, "A password has at most 256 characters.")
        return ""
    try:
        # The stubs want the user model; the validators only read attributes and `_meta`.
        password_validation.validate_password(password, user=_PasswordSubject(**personal))  # type: ignore[arg-type]
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(field, message)
        return ""
    return password


def clean_choice(
    value: Any, errors: FieldErrors, field: str, *, choices: Any, label: str, required: bool = True
) -> str:
    raw = str(value or "").strip()
    if not raw:
        if required:
            errors.add(field, f"Choose {label}.")
        return ""
    if raw not in {c[0] for c in choices}:
        errors.add(field, f"Choose one of the listed options for {label}.")
        return ""
    return raw
