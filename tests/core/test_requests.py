"""The client address behind our own proxies: X-Forwarded-For entries the client wrote are never used."""

import pytest
from django.test import RequestFactory

from shopwright.core.requests import UNKNOWN_CLIENT, client_ip, remote_addr_is_loopback

PROXY = "10.0.0.5"  # our load balancer, the socket peer of the app


def request(forwarded: str | None = None, remote: str = PROXY):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_one_proxy(settings):  # type: ignore[no-untyped-def]
    """As in production: one proxy of ours that appends the peer it saw."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_with_one_proxy_the_rightmost_entry_is_the_client(behind_one_proxy):
    assert client_ip(request("198.51.100.7")) == "198.51.100.7"
    assert client_ip(request("203.0.113.9, 198.51.100.7")) == "198.51.100.7"


@pytest.mark.parametrize("forged", ["1.2.3.4", "1.2.3.4, 5.6.7.8", "127.0.0.1", "garbage", ""])
def test_forged_leftmost_entries_do_not_change_the_client(behind_one_proxy, forged):
    # The client sends its own X-Forwarded-For; our proxy appends the real peer.
    header = f"{forged}, 198.51.100.7" if forged else "198.51.100.7"
    assert client_ip(request(header)) == "198.51.100.7"


def test_a_client_rotating_forged_entries_stays_one_address(behind_one_proxy):
    """What the login throttle sees: one attacker, one address, however it forges the header."""
    seen = {client_ip(request(f"192.0.2.{n}, 198.51.100.7")) for n in range(1, 30)}
    assert seen == {"198.51.100.7"}


def test_with_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN, then our load balancer
    assert client_ip(request("6.6.6.6, 198.51.100.7, 203.0.113.250")) == "198.51.100.7"
    # Fewer entries than proxies: the header is not ours; the socket peer it is.
    assert client_ip(request("198.51.100.7")) == PROXY


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # development and test default
    assert client_ip(request("198.51.100.7", remote="192.0.2.10")) == "192.0.2.10"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request("198.51.100.7", remote="192.0.2.10")) == "192.0.2.10"


def test_missing_or_bad_addresses_are_one_unknown_client(behind_one_proxy):
    assert client_ip(request(None)) == PROXY
    assert client_ip(request("1.2.3.4, not-an-ip")) == UNKNOWN_CLIENT
    assert client_ip(request(None, remote="")) == UNKNOWN_CLIENT
    assert client_ip(request("2001:DB8::1")) == "2001:db8::1"


@pytest.mark.parametrize(
    ("remote", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("::ffff:127.0.0.1", True), ("10.0.0.5", False)],
)
def test_loopback_is_judged_by_the_socket_peer(remote, loopback):
    assert remote_addr_is_loopback(request(remote=remote)) is loopback
    # A forwarded header saying "127.0.0.1" changes nothing.
    assert remote_addr_is_loopback(request("127.0.0.1", remote=remote)) is loopback


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [("203.0.113.7:51234", "203.0.113.7"), ("[2001:db8::1]:443", "2001:db8::1"), ("2001:db8::2", "2001:db8::2")],
)
def test_a_port_appended_by_the_proxy_is_dropped(rf, settings, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR=f"198.51.100.1, {forwarded}", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == client
