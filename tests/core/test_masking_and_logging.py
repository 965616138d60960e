"""Masking helpers and the logging filter that keeps personal data out of logs."""

import io
import logging

import pytest
from django.conf import settings

from shopwright.core.logging import PersonalDataFilter, scrub
from shopwright.core.masking import mask_email, mask_ip, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [("jane.doe@example.com", "j***@example.com"), ("", ""), ("not-an-email", "n***********")],
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


def test_mask_phone_keeps_head_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+442079460958") == "+442*****0958"


def test_mask_name_and_ip():
    assert mask_name("Jane Doe") == "J*** D**"
    assert mask_ip("203.0.113.42") == "203.0.*.*"
    assert mask_ip("2001:db8::1") == "2001:0db8:*"


def test_scrub_masks_emails_phones_and_ips_but_keeps_dates():
    line = scrub("signup jane.doe@example.com +44 20 7946 0958 from 203.0.113.42 on 2026-11-26 at 10:15:00")
    assert "jane.doe" not in line
    assert "7946 0958" not in line and "79460958" not in line
    assert "203.0.113.42" not in line
    assert "2026-11-26" in line and "10:15:00" in line


def test_every_configured_log_handler_filters_personal_data():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_data" in handler.get("filters", []), name


def test_a_log_line_with_personal_data_comes_out_masked():
    root = logging.getLogger()
    handler = next(h for h in root.handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("shopwright.test").warning(
            "customer %s phoned from %s", "jane.doe@example.com", "+86 138 1234 5678"
        )
        try:
            raise ValueError("bad address jane.doe@example.com")
        except ValueError:
            logging.getLogger("shopwright.test").exception("failed for 198.51.100.7")
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "j***@example.com" in output
    assert "jane.doe" not in output
    assert "1234 5678" not in output
    assert "198.51.100.7" not in output
