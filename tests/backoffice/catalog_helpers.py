"""Helpers for the back-office catalog page tests: submit a rendered form as a browser would, read messages.

`form_fields` reads the inputs of one <form> on a rendered page (what a
browser without JavaScript would send), so the tests prove the page's real
field names and values work, not a dictionary typed into the test.
"""

from __future__ import annotations

import io
import re
from html import unescape
from html.parser import HTMLParser

from django.http import HttpResponse
from PIL import Image

from shopwright.catalog.models import Collection, CollectionProduct, Product, ProductImage, ProductOption, Variant
from shopwright.stores.models import Store


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.depth = 0
        self.in_template = 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.in_form = True
            return
        if not self.in_form:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if not self.in_form:
            return
        if tag == "form":
            self.in_form = False
        elif tag == "template":
            self.in_template -= 1
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops one newline right after <textarea>.
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def form_fields(response: HttpResponse, form_id: str) -> dict[str, str]:
    """The values a browser would submit from the form with this id (one value per name)."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.fields, f"no form #{form_id} with fields on the page"
    return dict(reader.fields)


def form_lists(response: HttpResponse, form_id: str) -> dict[str, list[str]]:
    """Like `form_fields`, keeping every value of a name that repeats (hidden ids, ticked boxes)."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    found: dict[str, list[str]] = {}
    for name, value in reader.fields:
        found.setdefault(name, []).append(value)
    return found


def cell_errors(response: HttpResponse, field_id: str) -> list[str]:
    """The messages shown under one input (its error list has the id `id_<field_id>_errors`)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist[^"]*" id="id_{re.escape(field_id)}_errors">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def top_errors(response: HttpResponse) -> list[str]:
    html = response.content.decode()
    match = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def page_messages(response: HttpResponse) -> list[str]:
    html = response.content.decode()
    match = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1))] if match else []


def variant_row_titles(response: HttpResponse) -> list[str]:
    """The variant rows of the product page, in order (not the JavaScript row template)."""
    html = response.content.decode()
    html = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return [unescape(t) for t in re.findall(r'<strong data-field="title">(.*?)</strong>', html)]


def png_bytes(size: tuple[int, int] = (40, 30), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def catalog_counts(store: Store) -> dict[str, int]:
    return {
        "products": Product.objects.filter(store=store).count(),
        "options": ProductOption.objects.filter(store=store).count(),
        "variants": Variant.objects.filter(store=store).count(),
        "images": ProductImage.objects.filter(store=store).count(),
        "collections": Collection.objects.filter(store=store).count(),
        "entries": CollectionProduct.objects.filter(store=store).count(),
    }
