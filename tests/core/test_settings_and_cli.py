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
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    }


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SHOPWRIGHT_DATA_KEYS", "EMAIL_URL"])
def test_production_refuses_to_start_without_secrets(missing):
    env = production_env()
    del env[missing]
    result = run_shopwright("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when SHOPWRIGHT_ENV=production" in result.stderr


@pytest.mark.parametrize("debug", ["1", "true", "on"])
def test_production_refuses_to_start_with_debug_on(debug):
    result = run_shopwright("check", **production_env(), DEBUG=debug)
    assert result.returncode != 0
    assert "DEBUG must be off when SHOPWRIGHT_ENV=production" in result.stderr


def _setting(name: str, **env: str) -> str:
    result = run_shopwright("shell", "-c", f"from django.conf import settings; print(settings.{name})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_trusts_one_proxy_by_default_and_reads_trusted_proxy_count():
    assert _setting("TRUSTED_PROXY_COUNT", **production_env()) == "1"
    assert _setting("TRUSTED_PROXY_COUNT", **production_env(), TRUSTED_PROXY_COUNT="2") == "2"
    assert _setting("TRUSTED_PROXY_COUNT", SHOPWRIGHT_ENV="development") == "0"


def test_demo_is_refused_in_production(tmp_path):
    result = run_shopwright("demo", **production_env(), SHOPWRIGHT_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "shopwright demo is refused when SHOPWRIGHT_ENV=production" in result.stderr
    assert "harbour-lantern" not in result.stdout + result.stderr  # the public demo password
    assert "Traceback" not in result.stderr  # a clear refusal, not a crash


@pytest.mark.django_db
def test_the_demo_loader_itself_refuses_in_production(settings):
    from shopwright.stores.demo import DemoRefused, demo_load
    from shopwright.stores.selectors import store_for_handle

    settings.PRODUCTION = True
    with pytest.raises(DemoRefused):
        demo_load()
    assert store_for_handle(handle="demo") is None


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
    from tests.factories import host, make_merchant

    pending = make_merchant(verified=False).store
    live = make_merchant().store
    answers = {
        "platform": client.get("/", HTTP_HOST="localhost"),
        "storefront": client.get("/", HTTP_HOST=host(live)),
        "store not open": client.get("/", HTTP_HOST=host(pending)),
        "no such store": client.get("/", HTTP_HOST="no-such-store.localhost"),
        "unknown host": client.get("/", HTTP_HOST="elsewhere.example.net"),
        "api error": client.get("/api/v1/merchant/me", HTTP_HOST="localhost"),
    }
    assert [a.status_code for a in answers.values()] == [200, 200, 404, 404, 400, 401]
    for name, response in answers.items():
        assert "default-src 'self'" in response["Content-Security-Policy"], name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert "camera=()" in response["Permissions-Policy"], name


@pytest.mark.django_db
def test_dev_outbox_shows_mail_in_development_and_is_gone_in_production(
    client, settings, django_capture_on_commit_callbacks
):
    from tests.factories import make_merchant

    settings.DEBUG = True  # a development machine (pytest-django turns DEBUG off)
    settings.SHOPWRIGHT_OUTBOX_ONLY = True
    with django_capture_on_commit_callbacks(execute=True):
        make_merchant(verified=False, email="outbox.owner@example.com")
    page = client.get("/dev/outbox/", HTTP_HOST="localhost")  # the test client is 127.0.0.1
    assert page.status_code == 200
    assert b"outbox.owner@example.com" in page.content
    assert b"/verify-email/" in page.content

    settings.PRODUCTION = True
    assert client.get("/dev/outbox/", HTTP_HOST="localhost").status_code == 404
    settings.PRODUCTION = False
    settings.SHOPWRIGHT_OUTBOX_ONLY = False  # EMAIL_URL set: real mail, no outbox page
    assert client.get("/dev/outbox/", HTTP_HOST="localhost").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("remote", ["127.0.0.1", "::1"])
def test_dev_outbox_opens_for_a_browser_on_this_machine(client, settings, remote):
    settings.DEBUG, settings.SHOPWRIGHT_OUTBOX_ONLY = True, True
    assert client.get("/dev/outbox/", HTTP_HOST="localhost", REMOTE_ADDR=remote).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forwarded",
    [None, "127.0.0.1"],  # a forwarded header claiming the loopback address changes nothing
)
@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_dev_outbox_is_a_404_from_another_machine(
    client, settings, django_capture_on_commit_callbacks, forwarded, trusted_proxies
):
    from tests.factories import make_merchant

    settings.DEBUG, settings.SHOPWRIGHT_OUTBOX_ONLY = True, True
    settings.TRUSTED_PROXY_COUNT = trusted_proxies
    with django_capture_on_commit_callbacks(execute=True):
        make_merchant(verified=False, email="outbox.victim@example.com")
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    page = client.get("/dev/outbox/", HTTP_HOST="localhost", REMOTE_ADDR="192.168.1.23", **headers)
    assert page.status_code == 404
    assert b"/verify-email/" not in page.content
    assert b"outbox.victim" not in page.content


@pytest.mark.django_db
def test_dev_outbox_is_a_404_without_debug(client, settings):
    settings.SHOPWRIGHT_OUTBOX_ONLY = True
    settings.DEBUG = False  # e.g. a staging process with SHOPWRIGHT_ENV=development but DEBUG off
    assert client.get("/dev/outbox/", HTTP_HOST="localhost").status_code == 404


def test_job_consumer_threads_default_to_worker_threads_and_can_be_set(settings):
    """Webhook deliveries and mail wait on the network: the consumer runs WORKER_THREADS of them at once."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("shopwright.core.management.commands.worker.call_command") as run_huey:
        call_command("worker")
        call_command("worker", "--workers", "3")
    assert [c.kwargs["workers"] for c in run_huey.call_args_list] == [settings.WORKER_THREADS, 3]
    assert settings.WORKER_THREADS == 8
    assert settings.HUEY["consumer"]["workers"] == 8


def test_worker_threads_come_from_the_environment():
    probe = "from django.conf import settings; print(settings.WORKER_THREADS, settings.HUEY['consumer']['workers'])"
    result = run_shopwright("shell", "-c", probe, WORKER_THREADS="12")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["12", "12"]  # after the shell's own "N objects imported" line


POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"  # only read: printing settings connects to nothing


def _database_options(**env: str) -> list[str]:
    probe = (
        "from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    result = run_shopwright("shell", "-c", probe, DATABASE_URL=POSTGRES_URL, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-2:]


def test_postgresql_connections_prepare_repeated_statements_unless_turned_off():
    """Server-side binding with psycopg's threshold; "off" is Django's default, for a pooler without them."""
    assert _database_options() == ["True", "5"]
    assert _database_options(DATABASE_PREPARE_THRESHOLD="2") == ["True", "2"]
    assert _database_options(DATABASE_PREPARE_THRESHOLD="off") == ["None", "None"]


def test_a_prepare_threshold_that_is_not_a_number_stops_the_start():
    result = run_shopwright("check", DATABASE_URL=POSTGRES_URL, DATABASE_PREPARE_THRESHOLD="often")
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a whole number of runs, or off" in result.stderr
