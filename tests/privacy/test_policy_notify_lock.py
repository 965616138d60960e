"""Telling accounts about a new major policy does not hold up the consents given under it meanwhile."""

from __future__ import annotations

import threading

import pytest

from shopwright.core.audit import Actor
from shopwright.privacy import consents, policies, policy_tasks
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord
from tests.concurrency import run_at_once
from tests.factories import make_merchant
from tests.privacy.test_policies import _many_customers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_visitors_cookie_choice_is_saved_while_a_batch_of_policy_emails_is_written(postgres, monkeypatch) -> None:
    """The batch locks the version FOR NO KEY UPDATE; a consent's foreign key check (KEY SHARE) passes it."""
    store = make_merchant().store
    _many_customers(store, 3)
    monkeypatch.setattr(policy_tasks, "policy_notify_task", lambda *args, **kwargs: None)  # no chain after publishing
    draft = policies.policy_draft_save(
        store=store, title="Privacy", body="New rules.", is_major=True, author=None, actor=Actor.system()
    )
    version = policies.policy_publish(version=draft, actor=Actor.system())
    batch_holds_the_version, visitor_done = threading.Event(), threading.Event()
    saved_while_the_batch_held_it: list[bool] = []
    real_recipients = policies._notify_recipients

    def recipients_slowly(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Called with the version locked: a visitor chooses cookies on the storefront meanwhile.
        batch_holds_the_version.set()
        saved_while_the_batch_held_it.append(visitor_done.wait(timeout=5))
        return real_recipients(*args, **kwargs)

    monkeypatch.setattr(policies, "_notify_recipients", recipients_slowly)

    def work(n: int) -> object:
        if n == 1:
            return policies.policy_notify_batch(version_id=version.pk)
        assert batch_holds_the_version.wait(timeout=10)
        try:
            return consents.consent_grant(
                purpose=ConsentPurpose.COOKIES_ANALYTICS,
                visitor="visitor-1",
                store=store,
                channel=ConsentChannel.COOKIE_BANNER,
            )
        finally:
            visitor_done.set()

    outcomes = run_at_once(work, runs=2)

    assert isinstance(outcomes[2], ConsentRecord) and outcomes[2].policy_version_id == version.pk, outcomes
    assert not isinstance(outcomes[1], Exception), outcomes
    assert saved_while_the_batch_held_it == [True]
