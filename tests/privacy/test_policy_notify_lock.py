"""Telling accounts about a new major policy does not hold up the consents given under it meanwhile."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.privacy import consents, policies, policy_tasks
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord
from tests.concurrency import while_locked
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

    outcome = while_locked(
        lambda: policies.policy_notify_batch(version_id=version.pk),
        lambda: consents.consent_grant(
            purpose=ConsentPurpose.COOKIES_ANALYTICS,
            visitor="visitor-1",
            store=store,
            channel=ConsentChannel.COOKIE_BANNER,
        ),
    )

    assert isinstance(outcome, ConsentRecord) and outcome.policy_version_id == version.pk, outcome
