"""Consents come from their records; withdrawing counts at once; restriction and major policies refuse processing."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, PermissionDeniedError
from shopwright.core.models import AuditEntry
from shopwright.privacy import consents, policies
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord
from tests.factories import make_customer, make_merchant

pytestmark = pytest.mark.django_db

MARKETING = ConsentPurpose.MARKETING_EMAIL
ACCOUNT = ConsentChannel.ACCOUNT


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant()


@pytest.fixture
def store(merchant):  # type: ignore[no-untyped-def]
    return merchant.store


def _publish(store, *, major: bool, actor_user=None):  # type: ignore[no-untyped-def]
    draft = policies.policy_draft_save(
        store=store, title="Privacy", body="How we use your data.", is_major=major, author=None, actor=Actor.system()
    )
    return policies.policy_publish(version=draft, actor=Actor.system())


def test_grant_then_withdraw_takes_effect_at_once(store):
    customer = make_customer(store)
    assert consents.consent_state(customer=customer)[MARKETING] is False
    assert not consents.processing_allowed(purpose=MARKETING, customer=customer)

    consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT, evidence="Send me offers")
    assert consents.consent_state(customer=customer)[MARKETING] is True
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)

    consents.consent_withdraw(purpose=MARKETING, customer=customer, channel=ACCOUNT, evidence="Send me offers")
    assert consents.consent_state(customer=customer)[MARKETING] is False
    assert not consents.processing_allowed(purpose=MARKETING, customer=customer)
    # Both kept as proof, nothing overwritten; each in the audit log without personal data.
    records = ConsentRecord.objects.filter(customer=customer, purpose=MARKETING).order_by("id")
    assert [r.granted for r in records] == [True, False]
    assert records[0].evidence == "Send me offers"
    entries = AuditEntry.objects.filter(action__in=["privacy.consent_grant", "privacy.consent_withdraw"])
    assert [e.details for e in entries.order_by("id") if e.details["purpose"] == MARKETING] == [
        {"purpose": "marketing_email", "channel": "account"},
        {"purpose": "marketing_email", "channel": "account"},
    ]


def test_the_record_names_the_policy_in_force(store):
    customer = make_customer(store)
    version = _publish(store, major=False)
    record = consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    assert record.policy_version == version
    assert record.store == store


def test_withdraw_all_ends_every_processing_consent_but_keeps_the_policy_acceptance(store):
    customer = make_customer(store)
    for purpose in (MARKETING, ConsentPurpose.PERSONALISATION, ConsentPurpose.COOKIES_ANALYTICS):
        consents.consent_grant(purpose=purpose, customer=customer, channel=ACCOUNT)
    version = _publish(store, major=False)
    policies.policy_accept(version=version, customer=customer, evidence="I accept")

    assert consents.consent_withdraw_all(customer=customer, channel=ConsentChannel.DATA_REQUEST) == 3
    state = consents.consent_state(customer=customer)
    assert not any(state[p] for p in consents.WITHDRAWABLE_PURPOSES)
    assert state[ConsentPurpose.PRIVACY_POLICY] is True
    assert consents.consent_withdraw_all(customer=customer, channel=ConsentChannel.DATA_REQUEST) == 0


def test_customers_and_stores_are_separate(store):
    other_store = make_merchant().store
    mine, theirs = make_customer(store), make_customer(other_store)
    consents.consent_grant(purpose=MARKETING, customer=mine, channel=ACCOUNT)
    assert consents.consent_state(customer=theirs)[MARKETING] is False
    with pytest.raises(ApplicationError):
        consents.consent_grant(purpose=MARKETING, customer=mine, store=other_store, channel=ACCOUNT)
    visitor = uuid.uuid4().hex
    consents.consent_grant(
        purpose=ConsentPurpose.COOKIES_ANALYTICS, visitor=visitor, store=store, channel="cookie_banner"
    )
    assert consents.consent_state(visitor=visitor, store=store)[ConsentPurpose.COOKIES_ANALYTICS] is True
    assert consents.consent_state(visitor=visitor, store=other_store)[ConsentPurpose.COOKIES_ANALYTICS] is False
    # Only a hash of the visitor id is kept.
    assert not ConsentRecord.objects.filter(visitor_hash=visitor).exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"purpose": "spam"}, "invalid_purpose"),
        ({"channel": "carrier_pigeon"}, "invalid_channel"),
        ({"customer": None}, "invalid_subject"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(store, kwargs, code):
    customer = make_customer(store)
    arguments = {"purpose": MARKETING, "customer": customer, "channel": ACCOUNT, **kwargs}
    before = ConsentRecord.objects.count()
    with pytest.raises(ApplicationError) as raised:
        consents.consent_grant(**arguments)
    assert raised.value.code == code
    assert ConsentRecord.objects.count() == before


def test_a_visitor_consent_needs_its_store(store):
    with pytest.raises(ApplicationError):
        consents.consent_grant(purpose=MARKETING, visitor="abc", channel=ACCOUNT)


def test_a_locked_account_changes_nothing_and_processes_nothing(store):
    customer = make_customer(store)
    consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    customer.erasure_locked_at = customer.created_at
    customer.save(update_fields=["erasure_locked_at"])
    assert not consents.processing_allowed(purpose=MARKETING, customer=customer)
    with pytest.raises(PermissionDeniedError):
        consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    assert consents.consent_withdraw_all(customer=customer, channel=ACCOUNT) == 0


def test_restriction_stops_marketing_personalisation_and_analytics_until_lifted(store):
    customer = make_customer(store)
    for purpose in (MARKETING, ConsentPurpose.PERSONALISATION, ConsentPurpose.COOKIES_ANALYTICS):
        consents.consent_grant(purpose=purpose, customer=customer, channel=ACCOUNT)
    actor = Actor.customer(customer)

    first = consents.restriction_start(customer=customer, actor=actor)
    assert consents.restriction_start(customer=customer, actor=actor) == first  # one open restriction
    assert consents.is_restricted(customer=customer)
    for purpose in (MARKETING, ConsentPurpose.PERSONALISATION, ConsentPurpose.COOKIES_ANALYTICS):
        assert not consents.processing_allowed(purpose=purpose, customer=customer)
    # The data and the consents stay.
    assert consents.consent_state(customer=customer)[MARKETING] is True

    consents.restriction_lift(customer=customer, actor=actor)
    assert not consents.is_restricted(customer=customer)
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)
    assert list(
        AuditEntry.objects.filter(action__startswith="privacy.restriction")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["privacy.restriction_start", "privacy.restriction_lift"]
    consents.restriction_lift(customer=customer, actor=actor)  # nothing open: nothing happens


def test_a_merchant_user_has_consents_and_restriction_too(merchant):
    user = merchant.user
    consents.consent_grant(purpose=MARKETING, user=user, channel=ACCOUNT)
    assert consents.processing_allowed(purpose=MARKETING, user=user)
    consents.restriction_start(user=user, actor=Actor.user(user))
    assert not consents.processing_allowed(purpose=MARKETING, user=user)


def test_a_major_policy_refuses_older_consents_until_accepted(store):
    customer = make_customer(store)
    _publish(store, major=False)
    consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)

    major = _publish(store, major=True)
    assert policies.reconsent_needed(customer=customer) == major
    assert not consents.processing_allowed(purpose=MARKETING, customer=customer)
    assert consents.consent_state(customer=customer)[MARKETING] is True  # the choice itself is unchanged

    policies.policy_accept(version=major, customer=customer, evidence="We changed our policy. Accept")
    assert policies.reconsent_needed(customer=customer) is None
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)


def test_a_minor_policy_changes_nothing(store):
    customer = make_customer(store)
    _publish(store, major=False)
    consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    _publish(store, major=False)
    assert policies.reconsent_needed(customer=customer) is None
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)


def test_another_stores_major_policy_does_not_touch_this_stores_customers(store):
    other_store = make_merchant().store
    customer = make_customer(store)
    consents.consent_grant(purpose=MARKETING, customer=customer, channel=ACCOUNT)
    _publish(other_store, major=True)
    assert policies.reconsent_needed(customer=customer) is None
    assert consents.processing_allowed(purpose=MARKETING, customer=customer)


_steps = st.lists(st.tuples(st.sampled_from(list(ConsentPurpose)), st.booleans()), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps)
def test_any_sequence_of_grants_and_withdrawals_gives_the_last_record_per_purpose(store, steps):
    customer = make_customer(store)
    visitor = uuid.uuid4().hex
    # Registration may already have recorded some (the policy accepted on the form).
    expected: dict[str, bool] = dict(consents.consent_state(customer=customer))
    visitor_expected: dict[str, bool] = {}
    for purpose, granted in steps:
        action = consents.consent_grant if granted else consents.consent_withdraw
        action(purpose=purpose, customer=customer, channel=ACCOUNT)
        action(purpose=purpose, visitor=visitor, store=store, channel=ConsentChannel.COOKIE_BANNER)
        expected[purpose.value] = granted
        visitor_expected[purpose.value] = granted
    want = {p.value: expected.get(p.value, False) for p in ConsentPurpose}
    assert consents.consent_state(customer=customer) == want
    assert consents.consent_state(visitor=visitor, store=store) == {
        p.value: visitor_expected.get(p.value, False) for p in ConsentPurpose
    }
    # No policy and no restriction: processing follows the state exactly.
    for purpose in ConsentPurpose:
        assert consents.processing_allowed(purpose=purpose, customer=customer) is want[purpose.value]
