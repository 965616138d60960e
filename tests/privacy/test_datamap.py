"""The data map classifies every stored field, and personal text is encrypted."""

from django.apps import apps

from shopwright.core.fields import BlindIndexField, EncryptedTextField
from shopwright.privacy.datamap import MUST_ENCRYPT, classification, stale_entries, stored_fields, unclassified_fields


def test_every_model_field_is_classified():
    assert unclassified_fields() == [], "add these fields to their app's privacy.py"


def test_the_map_names_no_field_that_does_not_exist():
    assert stale_entries() == []


def test_personal_fields_that_must_be_encrypted_are_encrypted():
    plain = []
    for model in apps.get_models():
        entries = classification(model) or {}
        for field in stored_fields(model):
            entry = entries.get(field.name)
            if entry is None or entry.category not in MUST_ENCRYPT or entry.plain_reason:
                continue
            if not isinstance(field, EncryptedTextField):
                plain.append(f"{model._meta.label}.{field.name}")
    assert plain == []


def test_blind_indexes_are_classified_as_links_not_left_unnamed():
    for model in apps.get_models():
        entries = classification(model) or {}
        for field in stored_fields(model):
            if isinstance(field, BlindIndexField):
                assert entries[field.name].category == "link", f"{model._meta.label}.{field.name}"
                assert isinstance(model._meta.get_field(field.source), EncryptedTextField)
