"""Merchant rich text made safe to render as is, and its plain text for search.

A description is stored already sanitised, so templates can mark it safe
without re-checking on every render. The allow-list is small on purpose:
formatting and links only, no images, styles, classes or event handlers, so
a description can never run script or break the page layout (strict CSP).
"""

from __future__ import annotations

import html

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Merchant links point off-site: no referrer leak, no opener access, no SEO endorsement.
LINK_REL = "noopener nofollow"
# Tags whose content is dropped with them (rather than kept as text).
DROP_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "svg", "math"})


def sanitise_html(value: str) -> str:
    """Return `value` with only the allowed tags and attributes; links get rel="noopener nofollow"."""
    if not value or not value.strip():
        return ""
    cleaned = nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # Relative links would resolve against whichever host shows the text: only absolute ones.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return cleaned.strip()


def html_to_text(value: str) -> str:
    """Plain text of (sanitised) HTML, whitespace collapsed, entities decoded — for search, never for display."""
    if not value:
        return ""
    # Block tags become spaces so words on either side of a </p> do not run together.
    spaced = value.replace("<", " <")
    text = nh3.clean(spaced, tags=set(), clean_content_tags=set(DROP_WITH_CONTENT))
    return " ".join(html.unescape(text).split())
