"""The data map: what every stored field is, in privacy terms.

Each app's `privacy.py` calls `register()` for its models, classifying every
field. The privacy engine (exports, erasure, retention; later issues) is
driven by this map, and tests/privacy/test_datamap.py fails when a model
field has no entry or a personal text field is not encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from django.apps import apps
from django.db import models


class Category(StrEnum):
    NOT_PERSONAL = "not_personal"
    CONTACT = "contact"  # email, phone
    IDENTITY = "identity"  # names, birth date, gender, nickname, avatar
    ADDRESS = "address"  # postal address, place of residence
    PAYMENT_REFERENCE = "payment_reference"  # provider ids, card brand and last 4
    DEVICE = "device"  # IP address, user agent, device ids
    BEHAVIOUR = "behaviour"  # browsing, search, cart and order history
    CHILD = "child"  # anything about an under-14 account
    SENSITIVE = "sensitive"  # health, beliefs, ... (seed part 1, intro)
    CREDENTIAL = "credential"  # password hashes, token hashes
    LINK = "link"  # keys and blind indexes that point at a subject


class Subject(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    STAFF = "staff"
    ANY = "any"  # a table that holds rows about several kinds of subject


class Retention(StrEnum):
    ACCOUNT = "account"  # as long as the account exists
    TRANSACTION = "transaction"  # 3 years after the transaction completes (seed 3(2))
    AUDIT = "audit"  # security records, kept for the audit period
    SHORT = "short"  # sessions, throttles, delivery queues: days
    NONE = "none"  # not personal


class Erasure(StrEnum):
    DELETE = "delete"  # the row goes
    NULL = "null"  # the field is emptied
    ANONYMISE = "anonymise"  # replaced by a value that identifies nobody
    KEEP_ENCRYPTED = "keep_encrypted"  # kept, encrypted and restricted, until retention ends
    NONE = "none"  # not personal


# Categories whose plain text must never sit in a column.
MUST_ENCRYPT = {
    Category.CONTACT,
    Category.IDENTITY,
    Category.ADDRESS,
    Category.DEVICE,
    Category.CHILD,
    Category.SENSITIVE,
}


@dataclass(frozen=True)
class FieldClass:
    category: Category
    subject: Subject | None = None
    retention: Retention = Retention.NONE
    erasure: Erasure = Erasure.NONE
    # Why a personal value may be stored unencrypted (e.g. a choice code).
    plain_reason: str = ""

    @property
    def is_personal(self) -> bool:
        return self.category != Category.NOT_PERSONAL


NOT_PERSONAL = FieldClass(Category.NOT_PERSONAL)


def personal(
    category: Category,
    *,
    subject: Subject,
    retention: Retention,
    erasure: Erasure,
    plain_reason: str = "",
) -> FieldClass:
    return FieldClass(category, subject, retention, erasure, plain_reason)


class Holding(TypedDict):
    """`personal()` keywords many fields share: whose data it is and how long it is kept."""

    subject: Subject
    retention: Retention


class Handling(Holding):
    """`Holding`, and what erasure does to the value."""

    erasure: Erasure


_REGISTRY: dict[str, dict[str, FieldClass]] = {}


def register(model_label: str, fields: dict[str, FieldClass]) -> None:
    """Classify the fields of one model (`app_label.ModelName`)."""
    key = model_label.lower()
    if key in _REGISTRY:
        raise ValueError(f"{model_label} is already in the data map")
    _REGISTRY[key] = dict(fields)


def classification(model: type[models.Model]) -> dict[str, FieldClass] | None:
    return _REGISTRY.get(model._meta.label_lower)


def stored_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own columns and many-to-many relations."""
    opts = model._meta
    return [*opts.local_concrete_fields, *opts.local_many_to_many]


def unclassified_fields() -> list[str]:
    """`app.Model.field` for every stored field that has no entry; empty when the map is complete."""
    missing = []
    for model in apps.get_models():
        entries = classification(model) or {}
        for field in stored_fields(model):
            if field.name not in entries:
                missing.append(f"{model._meta.label}.{field.name}")
    return missing


def stale_entries() -> list[str]:
    """Entries that name a model or field that no longer exists."""
    stale = []
    for label, entries in _REGISTRY.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            stale.append(label)
            continue
        names = {f.name for f in stored_fields(model)}
        stale.extend(f"{label}.{name}" for name in entries if name not in names)
    return stale


def personal_fields(model: type[models.Model]) -> dict[str, FieldClass]:
    return {name: fc for name, fc in (classification(model) or {}).items() if fc.is_personal}


def data_map() -> dict[str, dict[str, FieldClass]]:
    return {label: dict(entries) for label, entries in sorted(_REGISTRY.items())}
