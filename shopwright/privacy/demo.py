"""The demo's privacy policies: the platform's and the demo store's, published from the templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopwright.core.audit import Actor
from shopwright.privacy import policies, policy_templates

if TYPE_CHECKING:
    from shopwright.stores.models import Store


def demo_policies_load(*, store: Store) -> None:
    """Publish version 1 of each policy that has none yet, so the demo's policy pages and consents name one.

    Idempotent. A first version is not a change of anything: no emails, no banner.
    """
    for scope, (title, body) in (
        (None, policy_templates.platform_policy_template()),
        (store, policy_templates.store_policy_template(store)),
    ):
        if policies.policy_current(scope) is not None:
            continue
        draft = policies.policy_draft_save(
            store=scope, title=title, body=body, change_summary="First version.", author=None, actor=Actor.system()
        )
        policies.policy_publish(version=draft, actor=Actor.system())
