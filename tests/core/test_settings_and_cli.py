"""Configuration from the environment, production safety, the console command and the dev outbox."""

import base64
import os
import secrets
import subprocess
import sys

import pytest

from shopwright.cli import main as shopwright_main


def run_shopwright(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SHOPWRIGHT_DATA_KEYS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "shopwright.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_env() -> dict[str, str]:
    return {
        "SHOPWRIGHT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SHOPWRIGHT_DATA_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PLATFORM_DOMAIN": "shops.example.com",
    }


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SHOPWRIGHT_DATA_KEYS"])
def test_production_refuses_to_start_without_secrets(missing):
    env = production_env()
    del env[missing]
    result = run_shopwright("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when SHOPWRIGHT_ENV=production" in result.stderr


def test_production_deploy_check_has_no_warnings():
    result = run_shopwright("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_console_command_lists_our_commands_and_djangos(capsys):
    shopwright_main(["shopwright", "help"])
    listed = capsys.readouterr().out
    for command in ("serve", "worker", "demo", "rotate_keys", "migrate", "check", "createsuperuser"):
        assert command in listed


@pytest.mark.django_db
def test_security_headers_on_every_response(client):
    response = client.get("/", HTTP_HOST="localhost")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_dev_outbox_shows_mail_in_development_and_is_gone_in_production(
    client, settings, django_capture_on_commit_callbacks
):
    from tests.factories import make_merchant

    settings.SHOPWRIGHT_OUTBOX_ONLY = True
    with django_capture_on_commit_callbacks(execute=True):
        make_merchant(verified=False, email="outbox.owner@example.com")
    page = client.get("/dev/outbox/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert b"outbox.owner@example.com" in page.content
    assert b"/verify-email/" in page.content

    settings.PRODUCTION = True
    assert client.get("/dev/outbox/", HTTP_HOST="localhost").status_code == 404
    settings.PRODUCTION = False
    settings.SHOPWRIGHT_OUTBOX_ONLY = False  # EMAIL_URL set: real mail, no outbox page
    assert client.get("/dev/outbox/", HTTP_HOST="localhost").status_code == 404
