"""Flash messages: kept until a page shows them, whatever requests come in between (core.messages)."""

from __future__ import annotations

import pytest

from shopwright.core import messages as lazy_messages
from tests.factories import make_merchant
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db

SENT = "A new verification link is on its way."


def test_a_message_waits_through_requests_that_do_not_show_it_and_is_shown_once(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    browser = platform_client(make_merchant(verified=False).user)
    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post("/signup/resend/")
    assert sent.status_code == 302
    stored = browser.cookies["messages"].value
    assert stored

    # An API call and a page without messages in between: they neither show the message nor drop it.
    for path in ("/api/v1/openapi.json", "/no-such-page/"):
        between = browser.get(path)
        assert SENT not in between.content.decode()
        assert "messages" not in between.cookies
        assert browser.cookies["messages"].value == stored

    shown = browser.get(sent.url)
    assert SENT in shown.content.decode()
    # Shown once: the page that showed it clears the cookie, and the next visit has no message.
    assert shown.cookies["messages"].value == ""
    assert SENT not in browser.get(sent.url).content.decode()


def test_a_request_that_never_touches_messages_builds_no_storage_and_sets_no_cookie(monkeypatch) -> None:
    built: list[object] = []
    real = lazy_messages.default_storage

    def counted(request):  # type: ignore[no-untyped-def]
        built.append(request.path)
        return real(request)

    monkeypatch.setattr(lazy_messages, "default_storage", counted)
    browser = platform_client(make_merchant(verified=False).user)
    answer = browser.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert "messages" not in answer.cookies
    assert built == []
    # A request that adds one does build it.
    browser.post("/signup/resend/")
    assert built == ["/signup/resend/"]
