"""The README.txt of an export: what each file holds and what kind of data each field is, from the data map."""

from __future__ import annotations

import textwrap
from typing import Any

from shopwright.privacy import datamap
from shopwright.privacy.datamap import Category

CATEGORY_TEXT = {
    Category.NOT_PERSONAL: "not personal data (dates, amounts, codes, record numbers)",
    Category.CONTACT: "contact data (email address, phone number)",
    Category.IDENTITY: "identity data (names, date of birth, nickname, picture)",
    Category.ADDRESS: "address data (postal address, place of residence, parcel tracking)",
    Category.PAYMENT_REFERENCE: "payment references (the payment provider's ids, card brand and last 4 digits)",
    Category.DEVICE: "device and network data (IP address)",
    Category.BEHAVIOUR: "behaviour data (what you put in a cart, saved, chose or consented to)",
    Category.CHILD: "data about a child's account (the guardian's address)",
    Category.SENSITIVE: "sensitive data",
    Category.LINK: "a reference that links a record to you or to another record (a record number)",
    Category.CREDENTIAL: "credentials (never exported)",
}


def _models_by_file() -> dict[str, list[Any]]:
    files: dict[str, list[Any]] = {}
    for model in datamap.mapped_models():
        files.setdefault(datamap.export_name(model), []).append(model)
    return files


def readme_text(data: dict[str, list[dict[str, Any]]], *, region: str, subject: Any) -> str:
    """The README for an export holding `data` (export name -> records)."""
    lines = [
        "YOUR DATA",
        "=========",
        "",
        "This archive holds every record we keep about you, one JSON file per kind of data.",
        "Each file is a list of records; '_type' says which kind of record it is, and every",
        "other key is a field, explained below. Passwords, sign-in tokens and other",
        "credentials are never exported.",
        "",
        f"Where the data is stored (storage region): {region}",
        "",
        "Kinds of data",
        "-------------",
    ]
    for category in Category:
        lines.append(f"  {category.value}: {CATEGORY_TEXT[category]}")
    by_file = _models_by_file()
    for name in sorted(data):
        lines += ["", f"{name}.json", "-" * (len(name) + 5)]
        present = {record.get("_type") for record in data[name]}
        for model in by_file.get(name, []):
            if str(model._meta.verbose_name) not in present:
                continue
            doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            lines.append(f"Records of type '{model._meta.verbose_name}':")
            if doc and not doc.startswith(model.__name__ + "("):
                lines += ["  " + line for line in textwrap.wrap(" ".join(doc.split()), 90)]
            for field_name, entry in (datamap.classification(model) or {}).items():
                if entry.category == Category.CREDENTIAL:
                    continue
                lines.append(f"    {field_name}: {entry.category.value}")
    lines.append("")
    return "\n".join(lines)
