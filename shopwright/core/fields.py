"""Model fields that keep personal data encrypted at rest.

`EncryptedTextField` stores the value sealed by core.crypto (AES-GCM-SIV);
Python code only ever sees the plain value. Sealed values are not deterministic, so the column cannot be searched:
pair it with a `BlindIndexField` filled by the service that writes the value.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import models

from shopwright.core import crypto


class EncryptedTextField(models.TextField):
    """A text value encrypted with the platform data keys.

    Empty strings stay empty (so "not given" is visible without decrypting)
    and NULL stays NULL.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        # max_length is validated on the plain value by forms and schemas; the
        # column holds the (longer) token, so it is not passed to TextField.
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


class EncryptedDateField(EncryptedTextField):
    """A date kept as an encrypted ISO string."""

    description = "Date encrypted at rest"

    # What the django-stubs plugin types the model attribute as: a date (None
    # for an empty value, null or not), not its parent's str. The stubs type
    # these on TextField, so narrowing them here is an override mypy rejects.
    _pyi_private_set_type: datetime.date | str | None  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date | None  # type: ignore[assignment]

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        plain = super().from_db_value(value, expression, connection)
        if not plain:
            return None
        return datetime.date.fromisoformat(plain)

    def to_python(self, value: Any) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            value = value.isoformat()
        return crypto.encrypt(str(value))


class BlindIndexField(models.CharField):
    """Hex HMAC-SHA256 of a normalised personal value (see core.crypto)."""

    description = "Keyed hash for equality lookups of an encrypted value"

    def __init__(self, *args: Any, source: str = "email", **kwargs: Any) -> None:
        # `source` names the encrypted field this indexes; key rotation
        # recomputes the index from it.
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.source != "email":
            kwargs["source"] = self.source
        return name, path, args, kwargs


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (an address, say) kept as one encrypted document.

    Parts of it cannot be queried; whatever must be filtered on (the
    country of an order, for taxes) is a plain column beside it, classified
    on its own in the data map.
    """

    description = "JSON encrypted at rest"

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        plain = super().from_db_value(value, expression, connection)
        if not plain:
            return None
        return json.loads(plain)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            return json.loads(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, sort_keys=True, separators=(",", ":")))
