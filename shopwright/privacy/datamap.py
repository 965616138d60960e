"""The data map: what every stored field is, in privacy terms.

Each app's `privacy.py` calls `register()` for its models, classifying every
field. The privacy engine (exports, erasure, retention; later issues) is
driven by this map, and tests/privacy/test_datamap.py fails when a model
field has no entry or a personal text field is not encrypted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypedDict

from django.apps import apps
from django.db import models

if TYPE_CHECKING:
    from django.db.models import QuerySet


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
    # For a foreign key: is the row that holds it the subject's own (exported, erased per its
    # map, and followed further), or does it only name the subject (the link is cut, nothing
    # more)? None: the subject's own when the link goes with the row (DELETE, KEEP_ENCRYPTED),
    # and for a not-personal key (an order's lines belong to the order).
    owns: bool | None = None
    # False for a text composed from other personal values (an email's subject and body): the
    # residue scan looks for those values themselves, not for every text they were written into.
    identifier: bool = True

    @property
    def is_personal(self) -> bool:
        return self.category != Category.NOT_PERSONAL

    @property
    def owns_row(self) -> bool:
        if self.owns is not None:
            return self.owns
        if not self.is_personal:
            return True
        return self.erasure in (Erasure.DELETE, Erasure.KEEP_ENCRYPTED)


NOT_PERSONAL = FieldClass(Category.NOT_PERSONAL)


def personal(
    category: Category,
    *,
    subject: Subject,
    retention: Retention,
    erasure: Erasure,
    plain_reason: str = "",
    owns: bool | None = None,
    identifier: bool = True,
) -> FieldClass:
    return FieldClass(category, subject, retention, erasure, plain_reason, owns, identifier)


class Holding(TypedDict):
    """`personal()` keywords many fields share: whose data it is and how long it is kept."""

    subject: Subject
    retention: Retention


class Handling(Holding):
    """`Holding`, and what erasure does to the value."""

    erasure: Erasure


_REGISTRY: dict[str, dict[str, FieldClass]] = {}


@dataclass(frozen=True)
class ModelEntry:
    """What the engine needs to know about a model beyond its fields."""

    # The export's file (without .json) the model's rows go to: "orders", "profile", ...
    export_as: str = ""
    # A subject's own account row (customers.Customer, stores.User): the root of a subject,
    # never found through another subject's email.
    root: bool = False
    # Fields that hold a storage name of a file (an avatar): the file goes with the value.
    files: tuple[str, ...] = ()


# `fn(subject, found) -> QuerySet`: rows linked to the subject by something that is not a
# foreign key (ids in the audit log, a keyed hash). `found` maps each model to the primary keys of
# the subject's rows found so far. `fields`: only these fields link the row to the subject, the row
# is not the subject's own; erasure empties them per the map and leaves the rest.
Finder = Callable[[Any, dict[type[models.Model], set[Any]]], "QuerySet[Any]"]


@dataclass(frozen=True)
class FinderEntry:
    fn: Finder
    fields: tuple[str, ...] = ()


_ENTRIES: dict[str, ModelEntry] = {}
_FINDERS: dict[str, list[FinderEntry]] = {}
_BEFORE_DELETE: dict[str, list[Callable[[QuerySet[Any]], None]]] = {}
_PLACEHOLDERS: dict[str, Callable[[], models.Model]] = {}
# `fn(subject, rows)`: a reason the subject cannot be erased yet ("owns a store that is open"), or "".
_ERASURE_CHECKS: dict[str, list[Callable[[Any, QuerySet[Any]], str]]] = {}


def register(
    model_label: str,
    fields: dict[str, FieldClass],
    *,
    export_as: str = "",
    root: bool = False,
    files: tuple[str, ...] = (),
) -> None:
    """Classify the fields of one model (`app_label.ModelName`).

    `export_as` names the export file its rows go to (default: the model's plural name);
    `root` marks a subject's account table; `files` names fields holding a stored file's name.
    """
    key = model_label.lower()
    if key in _REGISTRY:
        raise ValueError(f"{model_label} is already in the data map")
    _REGISTRY[key] = dict(fields)
    _ENTRIES[key] = ModelEntry(export_as=export_as, root=root, files=tuple(files))


def unregister(model_label: str) -> None:
    """Take a model out of the map (tests that register a model of their own)."""
    key = model_label.lower()
    for table in (_REGISTRY, _ENTRIES, _FINDERS, _BEFORE_DELETE, _PLACEHOLDERS, _ERASURE_CHECKS):
        table.pop(key, None)


def register_finder(model_label: str, fn: Finder, *, fields: tuple[str, ...] = ()) -> None:
    """Declare a link to a subject that is not a foreign key (see `Finder`)."""
    _FINDERS.setdefault(model_label.lower(), []).append(FinderEntry(fn, tuple(fields)))


def register_before_delete(model_label: str, fn: Callable[[QuerySet[Any]], None]) -> None:
    """`fn(rows)` runs before erasure deletes these rows (a session in the cache, say)."""
    _BEFORE_DELETE.setdefault(model_label.lower(), []).append(fn)


def register_placeholder(model_label: str, fn: Callable[[], models.Model]) -> None:
    """The row a required link to an erased row of this model points at instead (identifies nobody)."""
    _PLACEHOLDERS[model_label.lower()] = fn


def register_erasure_check(model_label: str, fn: Callable[[Any, QuerySet[Any]], str]) -> None:
    """`fn(subject, rows)` gets the model's rows that link the subject; a non-empty answer refuses the erasure."""
    _ERASURE_CHECKS.setdefault(model_label.lower(), []).append(fn)


def erasure_checks(model: type[models.Model]) -> list[Callable[[Any, QuerySet[Any]], str]]:
    return list(_ERASURE_CHECKS.get(model._meta.label_lower, []))


def model_entry(model: type[models.Model]) -> ModelEntry:
    return _ENTRIES.get(model._meta.label_lower, ModelEntry())


def export_name(model: type[models.Model]) -> str:
    entry = model_entry(model)
    if entry.export_as:
        return entry.export_as
    return str(model._meta.verbose_name_plural).replace(" ", "_").lower()


def finders(model: type[models.Model]) -> list[FinderEntry]:
    return list(_FINDERS.get(model._meta.label_lower, []))


def before_delete_hooks(model: type[models.Model]) -> list[Callable[[QuerySet[Any]], None]]:
    return list(_BEFORE_DELETE.get(model._meta.label_lower, []))


def placeholder(model: type[models.Model]) -> models.Model | None:
    fn = _PLACEHOLDERS.get(model._meta.label_lower)
    return fn() if fn else None


def row_erasure(model: type[models.Model]) -> Erasure:
    """What erasure does to one of the subject's own rows of this model, read from its fields.

    KEEP_ENCRYPTED: kept (restricted) while its retention runs, links cut; DELETE: the row goes;
    NULL/ANONYMISE: kept with those fields emptied; NONE: nothing personal, kept as it is.
    """
    kinds = {fc.erasure for fc in personal_fields(model).values()}
    for kind in (Erasure.KEEP_ENCRYPTED, Erasure.DELETE, Erasure.ANONYMISE, Erasure.NULL):
        if kind in kinds:
            return kind
    return Erasure.NONE


def mapped_models() -> list[type[models.Model]]:
    """Every installed model with an entry in the map, in a stable order."""
    return sorted((m for m in apps.get_models() if m._meta.label_lower in _REGISTRY), key=lambda m: m._meta.label_lower)


def links_to(target: type[models.Model]) -> list[tuple[type[models.Model], models.ForeignKey, FieldClass]]:
    """Every mapped foreign key (or one-to-one) that points at `target`: the reverse edges of the identity graph."""
    edges = []
    for model in mapped_models():
        entries = classification(model) or {}
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is target and field.name in entries:
                edges.append((model, field, entries[field.name]))
    return edges


def email_indexes(model: type[models.Model]) -> list[models.Field]:
    """Blind indexes classified as links whose source field is a contact (an email): the seeds of a subject."""
    from shopwright.core.fields import BlindIndexField

    entries = classification(model) or {}
    found: list[models.Field] = []
    for field in model._meta.local_concrete_fields:
        if not isinstance(field, BlindIndexField):
            continue
        entry, source = entries.get(field.name), entries.get(field.source)
        if entry and entry.category == Category.LINK and source and source.category == Category.CONTACT:
            found.append(field)
    return found


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


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The model's stored field of that name."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{model._meta.label}.{name} is not a stored field")
    return field
