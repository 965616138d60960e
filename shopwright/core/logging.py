"""A logging filter that keeps personal data out of every log line.

It rewrites the formatted message of each record, masking email addresses,
phone numbers and IP addresses, so that a developer's `logger.info(...)` with
a personal value in it cannot leak that value into log storage. One-time
tokens in URL paths (email verification, password reset, invitations) become
`<token>`: Django's request log ("Bad Request: /account/password-reset/…/")
and gunicorn's access log record paths, and a logged link must not be usable.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from shopwright.core.masking import mask_email, mask_ip, mask_phone

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
IPV4_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Candidates only: a clock time also looks like this, so each match is parsed.
IPV6_RE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# A phone: optional +, then 7-15 digits possibly split by spaces, dots or dashes.
PHONE_RE = re.compile(r"(?<![\w.:/\-])\+?\d(?:[\s.\-]?\d){6,14}(?![\w.:/\-])")
# Dates and clock times look like digit runs but are not personal.
NOT_A_PHONE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}(:\d{2})?")
# A whole URL path segment (after a "/", up to the next character that cannot
# be part of a token) that is token-shaped: a signed token
# (payload:timestamp:signature, see shopwright.core.tokens), an invitation
# token (store.invitation.inv_<secret>) or any run of 24 or more token
# characters.
TOKEN_SEGMENT_RE = re.compile(
    r"(?<=/)"
    r"(?:[A-Za-z0-9_\-.]+:[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+"  # signed
    r"|\d+\.\d+\.[A-Za-z]+_[A-Za-z0-9_\-]+"  # invitation
    r"|[A-Za-z0-9_\-:.]{24,})"  # anything long enough
    r"(?![A-Za-z0-9_\-:.])"
)
# A long file name (a module in a traceback, a hashed static file) is not a
# token; our tokens never end in a short alphanumeric extension after a dot.
FILE_NAME_RE = re.compile(r"[A-Za-z0-9_\-.]+\.[A-Za-z][A-Za-z0-9]{0,4}")


def _ipv6(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return mask_ip(match.group(0))


def _token(match: re.Match[str]) -> str:
    segment = match.group(0)
    if FILE_NAME_RE.fullmatch(segment):
        return segment
    return "<token>"


def scrub(text: str) -> str:
    text = TOKEN_SEGMENT_RE.sub(_token, text)
    text = EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)
    text = IPV6_RE.sub(_ipv6, text)
    text = IPV4_RE.sub(lambda m: mask_ip(m.group(0)), text)

    def _phone(m: re.Match[str]) -> str:
        raw = m.group(0)
        if NOT_A_PHONE_RE.fullmatch(raw.strip()):
            return raw
        return mask_phone(raw)

    return PHONE_RE.sub(_phone, text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to crash on
            return True
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
