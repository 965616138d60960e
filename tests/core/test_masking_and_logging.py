"""Masking helpers and the logging filter that keeps personal data out of logs."""

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

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


# --- one-time tokens in URL paths -------------------------------------------------


def _signed_token() -> str:
    from shopwright.core.tokens import make_token

    return make_token(purpose="password-reset", subject_id=42, state="argon2$hash")


def _compressed_signed_token() -> str:
    from django.core import signing

    token = signing.dumps({"s": "a" * 200}, salt="shopwright.test", compress=True)
    assert token.startswith(".")  # Django marks a compressed payload with a leading dot
    return token


def _invitation_token() -> str:
    from shopwright.core.tokens import new_secret_token

    return f"12.34.{new_secret_token('inv')[0]}"


@pytest.mark.parametrize("make", [_signed_token, _compressed_signed_token, _invitation_token])
@pytest.mark.parametrize(
    "line",
    [
        "Bad Request: /account/password-reset/{}/",
        "Not Found: /verify-email/{}",
        '[26/Nov/2026:10:15:00 +0000] "GET /office/invitations/{}/" 200 512 0.012345s',
        "GET /account/password-reset/{}/?next=/account/ HTTP/1.1",
        "link http://shop.localhost:8000/verify-email/{}/.",
    ],
)
def test_scrub_replaces_one_time_tokens_in_url_paths(make, line):
    token = make()
    scrubbed = scrub(line.format(token))
    assert token not in scrubbed
    # Not even a usable part of it is left.
    for part in token.replace(".", ":").split(":"):
        assert len(part) < 8 or part not in scrubbed, part
    assert "<token>" in scrubbed


def test_scrub_replaces_any_long_path_segment_but_keeps_the_rest_of_the_line():
    line = scrub('[26/Nov/2026:10:15:00 +0000] "GET /s/aB3dE6gH9jK2mN5pQ8rS1tU4/x/" 404 0 0.000812s')
    assert line == '[26/Nov/2026:10:15:00 +0000] "GET /s/<token>/x/" 404 0 0.000812s'


@pytest.mark.parametrize(
    "kept",
    [
        "GET /account/password-reset/ 200",
        "GET /office/products/42/edit/ 200",
        "GET /static/platform/app.3f2a1b9c8d7e4f5a6b7c.css 200",
        'File "/work/main/tests/core/test_masking_and_logging.py", line 12, in test',
        "Not Found: /verify-email/short/",
    ],
)
def test_scrub_keeps_ordinary_paths_and_file_names(kept):
    assert scrub(kept) == kept


@pytest.mark.django_db
def test_djangos_bad_request_log_line_does_not_carry_the_token(client):
    """A tampered reset/verification link is answered with a 400, which Django logs with its path."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    token = _signed_token()[:-2] + "xx"  # a bad signature
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = client.get(f"/verify-email/{token}/", HTTP_HOST="localhost")
    finally:
        handler.setStream(old)
    assert response.status_code == 400
    output = stream.getvalue()
    assert "Bad Request: /verify-email/<token>/" in output
    assert token.split(":")[0] not in output


# --- every process's loggers: the job worker and gunicorn ----------------------------


def _run_python(script: str, tmp_path, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SHOPWRIGHT_DATA_KEYS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "shopwright.settings",
            "SHOPWRIGHT_ENV": "development",
            "SHOPWRIGHT_VAR_DIR": str(tmp_path),
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


_REPORT_UNFILTERED = """
import logging
from shopwright.core.logging import PersonalDataFilter

def report_unfiltered():
    named = [l for l in logging.Logger.manager.loggerDict.values() if isinstance(l, logging.Logger)]
    for logger in [logging.getLogger(), *named]:
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                print("UNFILTERED", logger.name, type(handler).__name__)
"""

_WORKER = (
    _REPORT_UNFILTERED
    + """
from unittest import mock

import huey.api
from shopwright.cli import main


class Idle:
    def run(self):
        pass


# `shopwright worker` as an operator starts it, minus the consumer loop.
with mock.patch.object(huey.api.Huey, "create_consumer", return_value=Idle()):
    main(["shopwright", "worker"])

report_unfiltered()
logging.getLogger("huey.consumer").error("Unhandled exception in task for jane.doe@example.com from 198.51.100.7")
logging.getLogger("huey").info("Executing task: /account/password-reset/%s/", TOKEN)
"""
)


def test_the_job_workers_log_handlers_all_filter_personal_data(tmp_path):
    token = _signed_token()
    result = _run_python(f"TOKEN = {token!r}\n" + _WORKER, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "UNFILTERED" not in result.stdout, result.stdout
    assert "j***@example.com" in result.stderr
    assert "/account/password-reset/<token>/" in result.stderr
    for secret in ("jane.doe", "198.51.100.7", token):
        assert secret not in result.stdout + result.stderr


_GUNICORN = (
    _REPORT_UNFILTERED
    + """
import datetime
import sys

from gunicorn.app.wsgiapp import WSGIApplication

from shopwright.core.management.commands.serve import GUNICORN_CONFIG

# The arguments `shopwright serve` gives gunicorn; gunicorn sets up its logging from them.
sys.argv = ["gunicorn", "-c", f"python:{GUNICORN_CONFIG}", "--bind", "127.0.0.1:0", "shopwright.wsgi:application"]
app = WSGIApplication()
log = app.cfg.logger_class(app.cfg)
report_unfiltered()
for name in ("gunicorn.error", "gunicorn.access"):
    if not logging.getLogger(name).handlers:
        print("NO HANDLER", name)


class Response:
    status = "200 OK"
    sent = 512
    headers = []


environ = {
    "REMOTE_ADDR": "198.51.100.7",
    "REQUEST_METHOD": "GET",
    "RAW_URI": f"/account/password-reset/{TOKEN}/?email=jane.doe@example.com",
    "PATH_INFO": f"/account/password-reset/{TOKEN}/",
    "QUERY_STRING": "email=jane.doe@example.com",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_USER_AGENT": "Mozilla/5.0",
}
log.access(Response(), [], environ, datetime.timedelta(microseconds=12345))
log.error("Invalid request from %s: /verify-email/%s/", "198.51.100.7", TOKEN)
"""
)


def test_gunicorn_access_and_error_logs_go_through_the_filter(tmp_path):
    token = _signed_token()
    result = _run_python(f"TOKEN = {token!r}\n" + _GUNICORN, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "UNFILTERED" not in result.stdout and "NO HANDLER" not in result.stdout, result.stdout
    access = [line for line in result.stdout.splitlines() if '"GET ' in line]
    assert len(access) == 1, result.stdout
    assert access[0].endswith('"GET /account/password-reset/<token>/" 200 512 0.012345s')
    assert "Invalid request from 198.51.*.*: /verify-email/<token>/" in result.stderr
    for secret in (token, "198.51.100.7", "jane.doe", "email=", "Mozilla"):
        assert secret not in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_shopwright_serve_logs_no_token_and_no_client_address(tmp_path):
    """What an operator sees on the console of `shopwright serve` after a tampered reset link is opened."""
    token = _signed_token()[:-2] + "xx"
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SHOPWRIGHT_DATA_KEYS", "DATABASE_URL"}}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopwright.cli",
            "serve",
            "--no-worker",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env={**clean, "SHOPWRIGHT_ENV": "development", "SHOPWRIGHT_VAR_DIR": str(tmp_path), "REDIS_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "shopwright serve did not answer"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/verify-email/{token}/?email=jane.doe%40example.com"
        opened = urllib.request.Request(url, headers={"Host": "localhost", "X-Forwarded-For": "198.51.100.7"})
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(opened, timeout=10)
        assert answer.value.code == 400
    finally:
        server.terminate()
        try:
            out, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            out, err = server.communicate()
    assert '"GET /verify-email/<token>/" 400 ' in out, out
    assert "Bad Request: /verify-email/<token>/" in err, err[-2000:]
    for secret in (token.split(":")[0], token.split(":")[-1], "jane.doe", "198.51.100.7", "127.0.0.1 "):
        assert secret not in out + err
