"""Glue between Django forms (parsing and rendering) and services (rules)."""

from __future__ import annotations

from django import forms

from shopwright.core.exceptions import ApplicationError


def form_add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's field messages on the form; others above it."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
